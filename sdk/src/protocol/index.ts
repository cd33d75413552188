/** The node ↔ relayer wire protocol: versions, message schemas, sign-in typed data and the canonical output hash. */
export * from "./auth.ts";
export * from "./commitment.ts";
export * from "./messages.ts";
export * from "./output-hash.ts";
export * from "./version.ts";
