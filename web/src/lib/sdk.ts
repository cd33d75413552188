/**
 * The dApp's window onto `@gitblock/sdk`: the one copy of the ABIs and wire formats (the relayer API's types and
 * JSON codec included). Imported file by file (not
 * through the package index) so the initial bundle does not pull the protocol's zod schemas; the browser node's
 * lazy chunk imports `protocol` itself.
 */
export { gitBlockTokenAbi, rewardsVaultAbi } from "../../../sdk/src/abi.ts";
export * from "../../../sdk/src/api/index.ts";
export type { NodeState } from "../../../sdk/src/leaf.ts";
