// @gitblock/testkit: what every package's tests share, so there is one way to start each piece.
export * from "./chain.ts";
export * from "./claims.ts";
export * from "./cli-process.ts";
export * from "./client-nodes.ts";
export * from "./credits.ts";
export * from "./dev-keys.ts";
export * from "./fleet.ts";
export * from "./http.ts";
export * from "./ports.ts";
export * from "./postgres.ts";
export * from "./processes.ts";
export * from "./protocol-client.ts";
export * from "./readiness.ts";
export * from "./relayer.ts";
export * from "./repo.ts";
export * from "./tiny-gguf.ts";
export * from "./vault-admin.ts";
