// Node-only entry (`@gitblock/sdk/keys`): keys at rest for relayer operators and headless nodes.
export { KeyError } from "../errors.ts";
export * from "./keystore.ts";
export * from "./keystore-file.ts";
export * from "./prompt.ts";
