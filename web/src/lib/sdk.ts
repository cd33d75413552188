/**
 * The dApp's window onto `@gitblock/sdk`: the one copy of the ABIs and wire formats (the relayer API's types and
 * JSON codec included). Imported file by file (not
 * through the package index) so the initial bundle does not pull the protocol's zod schemas; the browser node's
 * lazy chunk imports `protocol` itself.
 */

export type { NodeState } from "@gitblock/sdk";
export * from "@gitblock/sdk";
export { gitBlockTokenAbi, rewardsVaultAbi } from "@gitblock/sdk";
