/** Verify by signing: the wallet signs a message, and the address recovered from the signature is shown. */
import { useState } from "react";
import type { Address } from "viem";
import { useAccount, useSignMessage } from "wagmi";
import { useAsyncAction } from "../wallet-genesis/use-async-action.ts";
import { ownershipMessage, verifyOwnership } from "./verify-message.ts";

export function VerifyStep({ onNext }: { onNext: () => void }) {
  const { address } = useAccount();
  const { signMessageAsync } = useSignMessage();
  const action = useAsyncAction();
  const [result, setResult] = useState<{ recovered: Address; matches: boolean } | null>(null);

  if (!address) return <p className="error">Connect a wallet first (previous step).</p>;
  return (
    <div data-testid="onboarding-verify">
      <h2>Prove it is yours</h2>
      <p>Sign a message with your wallet. It costs nothing, sends nothing and grants nothing.</p>
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={action.running}
          onClick={() =>
            action.run(async () => {
              const nonce = crypto.randomUUID();
              const message = ownershipMessage(address, nonce, new Date());
              const signature = await signMessageAsync({ message });
              setResult(await verifyOwnership(address, message, signature));
            })
          }
        >
          Sign to verify
        </button>
        <button type="button" disabled={!result?.matches} onClick={onNext}>
          Continue
        </button>
      </div>
      {result && (
        <p role="status" data-testid="verify-result" className={result.matches ? "good" : "error"}>
          Recovered from the signature: <code>{result.recovered}</code> —{" "}
          {result.matches ? "it is your wallet." : "not the connected wallet."}
        </p>
      )}
      {action.error && (
        <p className="error" role="alert">
          {action.error}
        </p>
      )}
    </div>
  );
}
