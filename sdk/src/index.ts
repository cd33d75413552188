export * from "./abi.ts";
export * from "./deployments.ts";
export * from "./leaf.ts";
