export * from "./config/load.ts";
export * from "./config/schema.ts";
export * from "./relayer.ts";
export * from "./store/index.ts";
