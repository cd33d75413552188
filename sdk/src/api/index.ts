// The relayer's HTTP/WS API: routes, response types, their JSON codec and a typed client. Browser-safe (no `node:`
// imports).
export * from "./client.ts";
export * from "./json.ts";
export * from "./publishers.ts";
export * from "./routes.ts";
export * from "./types.ts";
