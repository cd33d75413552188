/** The node client: one implementation of the node side of the protocol for browser and headless nodes. */
export * from "./emitter.ts";
export * from "./node-client.ts";
export * from "./session-key.ts";
export * from "./signer.ts";
