// Browser-safe entry: everything here runs in the dApp, the browser node's worker and Node alike.
// Node-only helpers have their own entry points (`@gitblock/sdk/deployments`).
export * from "./abi.ts";
export * from "./api/index.ts";
export * from "./engines/engine.ts";
export * from "./engines/one-at-a-time.ts";
export * from "./leaf.ts";
export * from "./permit.ts";
export * from "./protocol/index.ts";
export * from "./verification/index.ts";
