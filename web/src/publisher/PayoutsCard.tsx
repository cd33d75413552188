/** Payout history: the publisher's claims from the vault (the same vault and Merkle tree as every node's). */
import type { Address } from "viem";
import { Card, Empty } from "../components/ui.tsx";
import { useVaultHistory } from "../hooks/history.ts";
import { formatGbtAmount } from "../lib/format.ts";

export function PayoutsCard({ address }: { address: Address }) {
  const history = useVaultHistory(address);
  const claims = history.data?.claims ?? [];
  return (
    <Card title="Payouts">
      <p className="muted small">
        Your share is credited to this wallet each epoch; claim it on the <a href="#/wallet">Wallet &amp; claim</a>{" "}
        page.
      </p>
      {claims.length === 0 ? (
        <Empty>No claims from this wallet yet.</Empty>
      ) : (
        <ul className="publisher-list" aria-label="Payout history">
          {claims.map((c) => (
            <li key={c.txHash}>
              {formatGbtAmount(c.amount)} · block {String(c.blockNumber)} ·{" "}
              <code title={c.txHash}>{c.txHash.slice(0, 10)}…</code>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
