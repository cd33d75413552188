import { BaseError, ContractFunctionRevertedError } from "viem";

function revertOf(error: unknown): ContractFunctionRevertedError | null {
  if (!(error instanceof BaseError)) return null;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return revert instanceof ContractFunctionRevertedError ? revert : null;
}

/**
 * A contract call's failure in one short line: the revert as `Name(args)`, else viem's short message. Log this,
 * never the error itself: viem's contract errors carry the whole ABI (tens of kilobytes per log line).
 */
export function revertReason(error: unknown): string {
  const revert = revertOf(error);
  if (revert) {
    const name = revert.data?.errorName ?? "revert";
    const args = revert.data?.args?.map(String).join(", ") ?? "";
    return `${name}(${args})`;
  }
  if (error instanceof BaseError) return error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}

/** The contract's error name when the call reverted (a metric label: few values); null when it did not revert. */
export function revertName(error: unknown): string | null {
  const revert = revertOf(error);
  return revert ? (revert.data?.errorName ?? "revert") : null;
}
