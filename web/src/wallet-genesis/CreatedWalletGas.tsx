/**
 * Gas for a wallet created in this browser, on the Wallet page: a claim is a transaction the wallet itself pays for
 * (the dApp funds nothing). On a local network the faucet `npm start` runs gives it test ETH; on a real chain someone
 * must pay gas, and since the vault pays `state.account` whoever sends it, anyone may claim for this account (the
 * relayer runs no keeper that claims for nodes).
 */
import { formatEther } from "viem";
import { useAccount, useBalance } from "wagmi";
import { Card } from "../components/ui.tsx";
import { useApp, useDeployment } from "../context.tsx";
import { BROWSER_WALLET_CONNECTOR_ID } from "./connector.ts";
import { useAsyncAction } from "./use-async-action.ts";

async function askFaucet(url: string, address: string): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ address }),
  });
  if (response.ok) return;
  const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
  throw new Error(
    body.error === "already_funded"
      ? "This wallet already has test ETH."
      : `The faucet at ${url} answered ${response.status}${body.message ? `: ${body.message}` : ""}.`,
  );
}

export function CreatedWalletGas() {
  const { address, connector } = useAccount();
  const deployment = useDeployment();
  const { runtime } = useApp();
  const balance = useBalance({ address, chainId: deployment?.chainId, query: { refetchInterval: 5_000 } });
  const faucet = useAsyncAction();
  if (!address || connector?.id !== BROWSER_WALLET_CONNECTOR_ID || !deployment) return null;
  const wei = balance.data?.value;
  const proofUrl = `${runtime.relayer}/api/claims/${address}`;

  return (
    <Card title="Gas for your browser wallet">
      <p>
        ETH for gas in this wallet:{" "}
        <strong data-testid="created-wallet-eth">{wei !== undefined ? `${formatEther(wei)} ETH` : "…"}</strong>. A claim
        is a transaction this wallet sends and pays for; the dApp pays for nothing.
      </p>
      {deployment.local && deployment.faucetUrl ? (
        <div className="actions">
          <button
            type="button"
            data-testid="faucet-button"
            disabled={faucet.running || (wei !== undefined && wei > 0n)}
            onClick={() =>
              faucet.run(async () => {
                await askFaucet(deployment.faucetUrl as string, address);
                await balance.refetch();
              })
            }
          >
            {faucet.running ? "Sending test ETH…" : "Get test ETH (local network)"}
          </button>
          {faucet.error && (
            <span className="error" role="alert">
              {faucet.error}
            </span>
          )}
        </div>
      ) : (
        <p className="muted small" data-testid="gas-explainer">
          On {deployment.network} someone must pay the gas of a claim: send a little ETH to <code>{address}</code>, or
          let anyone claim for you. The vault pays the GBT to the account in the proof whoever sends the transaction, so
          any funded wallet can call the vault's <code>claim(state, proof)</code> for this account with the proof the
          relayer publishes at <a href={proofUrl}>{proofUrl}</a>. The relayer runs no keeper that claims for nodes.
        </p>
      )}
    </Card>
  );
}
