// @gitblock/node: the headless node's building blocks, for scripts that embed a node.
export * from "./engines.ts";
export * from "./keys.ts";
