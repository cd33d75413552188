import { networkFailureReason, UnreachableError } from "@gitblock/sdk";
import { BaseError, HttpRequestError } from "viem";
import { RPC_ENV } from "../operator/chain-target.ts";

/**
 * The one place the CLI turns a failure into what the operator reads: a service that does not answer is named with
 * its URL, why, and which flag or variable points at it (`fetch failed` alone says none of that).
 */
export function explainError(error: unknown): string {
  if (error instanceof UnreachableError) {
    return `${error.message}: is it running? set --relayer or GITBLOCK_RELAYER_URL`;
  }
  if (error instanceof BaseError) {
    const http = error.walk((e) => e instanceof HttpRequestError);
    if (http instanceof HttpRequestError) {
      // viem hands fetch a normalised URL: "http://host:8545/" for the "http://host:8545" the operator typed.
      const url = http.url.replace(/\/$/, "");
      if (http.status === undefined) {
        return `cannot reach the RPC at ${url} (${networkFailureReason(http.cause)}): is the chain's node running? set --rpc or ${RPC_ENV}`;
      }
      return `the RPC at ${url} answered HTTP ${http.status}: check --rpc or ${RPC_ENV} (an endpoint that needs a key?)`;
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
