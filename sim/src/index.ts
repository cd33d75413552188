// @gitblock/sim: the simulated fleet and the in-process relayer it runs against, for scripts (npm start, benches).
export * from "./fleet.ts";
export * from "./local-relayer.ts";
export * from "./report.ts";
