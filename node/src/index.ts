// @gitblock/node: the headless node's building blocks, for scripts that embed a node or a simulated fleet.
export * from "./engines.ts";
export * from "./fleet/fleet.ts";
export * from "./fleet/local-relayer.ts";
export * from "./fleet/report.ts";
export * from "./keys.ts";
