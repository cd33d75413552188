import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import type { Address } from "viem";
import { usePublicClient, useSignTypedData } from "wagmi";
import { useDeployment } from "../context.tsx";
import { gbtPermitTypedData, gitBlockTokenAbi, inferenceCreditsAbi, permitSignatureParts } from "../lib/sdk.ts";
import { gatewayKeys } from "./gateway.ts";
import { errorReason, useContractTx } from "./tx.ts";

/** How long a deposit's permit stays valid: long enough to confirm in a wallet, short enough to be useless later. */
const PERMIT_TTL_SECONDS = 3_600n;

/**
 * Deposits GBT to the wallet's gateway credit in one transaction: the wallet signs an ERC-2612 permit for the credits
 * contract (a signature, no gas), then sends `depositWithPermit`. `permit` is the signing step; the transaction's own
 * states follow in `tx`. The credit is read again once the deposit is mined.
 */
export function useDeposit(address: Address | undefined) {
  const deployment = useDeployment();
  const publicClient = usePublicClient({ chainId: deployment?.chainId });
  const { signTypedDataAsync } = useSignTypedData();
  const tx = useContractTx();
  const queryClient = useQueryClient();
  const [permit, setPermit] = useState<"idle" | "signing" | "failed">("idle");
  const [permitError, setPermitError] = useState<string | null>(null);
  const credits = deployment?.contracts.inferenceCredits;

  const deposit = useCallback(
    async (value: bigint) => {
      if (!address || !deployment || !credits || !publicClient || value <= 0n) return false;
      tx.reset();
      setPermitError(null);
      setPermit("signing");
      let signature: `0x${string}`;
      let deadline: bigint;
      try {
        const [nonce, block] = await Promise.all([
          publicClient.readContract({
            address: deployment.contracts.token,
            abi: gitBlockTokenAbi,
            functionName: "nonces",
            args: [address],
          }),
          publicClient.getBlock(),
        ]);
        // From the chain's clock, not this computer's: a local chain's time can run ahead of it.
        deadline = block.timestamp + PERMIT_TTL_SECONDS;
        signature = await signTypedDataAsync(
          gbtPermitTypedData({
            chainId: deployment.chainId,
            token: deployment.contracts.token,
            owner: address,
            spender: credits,
            value,
            nonce,
            deadline,
          }),
        );
      } catch (error) {
        setPermit("failed");
        setPermitError(errorReason(error));
        return false;
      }
      setPermit("idle");
      const { v, r, s } = permitSignatureParts(signature);
      const ok = await tx.send({
        address: credits,
        abi: inferenceCreditsAbi,
        functionName: "depositWithPermit",
        args: [value, deadline, v, r, s],
        chainId: deployment.chainId,
      });
      if (ok) await queryClient.invalidateQueries({ queryKey: gatewayKeys.credits(address) });
      return ok;
    },
    [address, deployment, credits, publicClient, signTypedDataAsync, tx, queryClient],
  );

  return { deposit, available: Boolean(credits), permit, permitError, tx };
}
