// The relayer's HTTP/WS API: response types and their JSON codec. Browser-safe (no `node:` imports).
export * from "./json.ts";
export * from "./types.ts";
