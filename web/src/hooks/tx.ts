import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { BaseError } from "viem";
import { usePublicClient, useWriteContract } from "wagmi";
import type { TxState } from "../components/ui.tsx";

/** Short, readable reason from a wallet / chain error (custom error name, user rejection, …). */
export function errorReason(error: unknown): string {
  if (error instanceof BaseError) {
    const text = error.shortMessage || error.message;
    return text.replace(/^The contract function "\w+" reverted with the following reason:\s*/, "");
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends one contract write and follows it: wallet → pending (hash) → confirmed / failed (receipt). Chain reads are
 * refreshed once it is mined.
 */
export function useContractTx() {
  const [state, setState] = useState<TxState>({ kind: "idle" });
  const { writeContractAsync } = useWriteContract();
  const publicClient = usePublicClient();
  const queryClient = useQueryClient();
  const send = useCallback(
    async (request: Parameters<typeof writeContractAsync>[0]) => {
      setState({ kind: "wallet" });
      let hash: `0x${string}` | undefined;
      try {
        hash = await writeContractAsync(request);
        setState({ kind: "pending", hash });
        if (!publicClient) throw new Error("no chain connection");
        const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 500 });
        if (receipt.status !== "success") throw new Error("the transaction reverted");
        setState({ kind: "confirmed", hash });
        await queryClient.invalidateQueries();
        return true;
      } catch (error) {
        setState({ kind: "failed", message: errorReason(error), ...(hash ? { hash } : {}) });
        return false;
      }
    },
    [writeContractAsync, publicClient, queryClient],
  );
  return { state, send, reset: () => setState({ kind: "idle" }) };
}
