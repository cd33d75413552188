import { useState } from "react";
import { useAccount } from "wagmi";
import { Card, ConnectPrompt, Empty, Stat, TxStatus } from "../components/ui.tsx";
import { useDeployment } from "../context.tsx";
import { useClaimProof, useEpochs, useOnChain, useProfile } from "../hooks/data.ts";
import { useVaultHistory } from "../hooks/history.ts";
import { useContractTx } from "../hooks/tx.ts";
import { txLink } from "../lib/config.ts";
import { formatAgo, formatGbt, formatGbtAmount, rewardSplit, shortAddress } from "../lib/format.ts";
import { FIRST_PAGE, PAGE_STEP, rowsToFetch, visiblePage } from "../lib/paging.ts";
import { rewardsVaultAbi } from "../lib/sdk.ts";
import { CreatedWalletGas } from "../wallet-genesis/CreatedWalletGas.tsx";
import { useNow } from "./Dashboard.tsx";

export function WalletPage() {
  const { address } = useAccount();
  const deployment = useDeployment();
  const profile = useProfile(address);
  const claim = useClaimProof(address);
  const chain = useOnChain(address);
  const [epochsShown, setEpochsShown] = useState(FIRST_PAGE);
  const epochs = useEpochs(rowsToFetch(epochsShown));
  const epochPage = visiblePage(epochs.data, epochsShown);
  const history = useVaultHistory(address);
  const tx = useContractTx();
  const now = useNow(5_000);

  if (!address) return <ConnectPrompt what="claim your GBT" />;

  const p = profile.data;
  const proof = claim.data;
  const claimed = chain.claimed;
  const claimable = proof && claimed !== undefined ? proof.state.cumulativeAmount - claimed : 0n;
  const notYetFinal = p ? p.confirmedWei - (proof?.state.cumulativeAmount ?? 0n) : 0n;
  const link = (hash: string) => txLink(deployment, hash);

  const onClaim = async () => {
    if (!proof || !deployment) return;
    await tx.send({
      address: deployment.contracts.rewardsVault,
      abi: rewardsVaultAbi,
      functionName: "claim",
      args: [proof.state, proof.proof],
      chainId: deployment.chainId,
    });
    await Promise.all([chain.refetch(), history.refetch()]);
  };

  // The 75/25 split with the user's own numbers: confirmed GBT is the node's 75% (plus bonus); what the same work
  // sent to the network treasury is a third of the node's base share.
  const confirmed = p?.confirmedWei ?? 0n;
  const example = rewardSplit(10n ** 18n, p?.reputationBps ?? 10_000);
  const networkFromYou = confirmed / 3n;

  return (
    <div className="page wallet">
      <div className="grid stats-grid">
        <Stat
          label="Claimable now"
          testId="claimable"
          value={`${formatGbt(claimable > 0n ? claimable : 0n)} GBT`}
          hint={proof ? `proven in epoch ${proof.epoch}` : "no final epoch holds your node yet"}
          tone="good"
        />
        <Stat
          label="Wallet balance"
          testId="wallet-balance"
          value={`${chain.balance !== undefined ? formatGbt(chain.balance) : "…"} GBT`}
          hint="GBT in this wallet, on-chain"
        />
        <Stat label="Claimed so far" value={`${formatGbt(claimed ?? 0n)} GBT`} />
        <Stat
          label="Confirmed, not yet final"
          value={`${formatGbt(notYetFinal > 0n ? notYetFinal : 0n)} GBT`}
          hint="claimable once the next epoch is final"
        />
      </div>
      <p className="muted small" data-testid="rewards-note">
        Rewards for a task appear here once it is verified; work still being checked is not shown anywhere.
      </p>

      <CreatedWalletGas />

      <Card title="Claim">
        {claimable > 0n ? (
          <p>
            The vault pays <strong>{formatGbt(claimable)} GBT</strong> to{" "}
            <code title={address}>{shortAddress(address)}</code>: your cumulative{" "}
            {formatGbt(proof?.state.cumulativeAmount ?? 0n)} GBT proven in epoch {proof?.epoch} minus the{" "}
            {formatGbt(claimed ?? 0n)} GBT already claimed.
          </p>
        ) : (
          <Empty>
            {proof
              ? "Nothing to claim right now: everything final is already in your wallet."
              : "Nothing to claim yet. Rewards become claimable when the epoch that holds them is settled on-chain and final."}
          </Empty>
        )}
        <div className="actions">
          <button
            type="button"
            className="primary"
            data-testid="claim-button"
            disabled={claimable <= 0n || tx.state.kind === "wallet" || tx.state.kind === "pending"}
            onClick={onClaim}
          >
            {tx.state.kind === "pending" ? "Claiming…" : `Claim ${formatGbt(claimable > 0n ? claimable : 0n)} GBT`}
          </button>
          <TxStatus state={tx.state} link={link} testId="claim-status" />
        </div>
      </Card>

      <div className="grid two">
        <Card title="How your rewards split">
          <p>
            Every validated task earns <em>tokens generated × rate</em>. You get <strong>75%</strong>, the network
            treasury <strong>25%</strong>
            {(p?.reputationBps ?? 10_000) > 7_000
              ? ", and with your reputation above 70% you get a 10% bonus on your share, paid on top."
              : ". Above 70% reputation you would also get a 10% bonus on your share."}
          </p>
          <ul className="split">
            <li>
              Per 1 GBT of work: <strong>{formatGbt(example.node)}</strong> to you
              {example.bonus > 0n ? (
                <>
                  {" "}
                  + <strong>{formatGbt(example.bonus)}</strong> bonus
                </>
              ) : null}
              , <strong>{formatGbt(example.network)}</strong> to the network.
            </li>
            <li>
              Your confirmed <strong>{formatGbt(confirmed)} GBT</strong> came with about{" "}
              <strong>{formatGbt(networkFromYou)} GBT</strong> for the network treasury.
            </li>
          </ul>
        </Card>
        <Card title="Your claims">
          {history.data && history.data.claims.length > 0 ? (
            <div className="table-wrap">
              <table className="table as-cards" aria-label="Claim history">
                <thead>
                  <tr>
                    <th>Amount</th>
                    <th>Cumulative</th>
                    <th>Block</th>
                    <th>Transaction</th>
                  </tr>
                </thead>
                <tbody>
                  {history.data.claims.map((c) => (
                    <tr key={c.txHash}>
                      <td data-label="Amount">{formatGbtAmount(c.amount)}</td>
                      <td data-label="Cumulative">{formatGbtAmount(c.cumulativeAmount)}</td>
                      <td data-label="Block">{String(c.blockNumber)}</td>
                      <td data-label="Transaction">
                        <code title={c.txHash}>{c.txHash.slice(0, 10)}…</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty>No claims from this wallet yet.</Empty>
          )}
        </Card>
      </div>

      <Card
        title="Epochs"
        actions={<span className="muted small">latest {Math.min(epochsShown, epochPage.rows.length)}</span>}
      >
        {epochPage.rows.length > 0 ? (
          <div className="table-wrap">
            <table className="table as-cards" aria-label="Epochs" data-testid="epoch-table">
              <thead>
                <tr>
                  <th>Epoch</th>
                  <th>Status</th>
                  <th>Nodes</th>
                  <th>Cumulative total</th>
                  <th>Network share</th>
                  <th>Final</th>
                </tr>
              </thead>
              <tbody>
                {epochPage.rows.map((e) => (
                  <tr key={e.epoch}>
                    <td data-label="Epoch">#{e.epoch}</td>
                    <td data-label="Status">
                      <span className={`tag tag-${e.status}`}>{e.status}</span>
                    </td>
                    <td data-label="Nodes">{e.leafCount ?? "—"}</td>
                    <td data-label="Cumulative total">
                      {e.cumulativeTotal !== null ? formatGbtAmount(e.cumulativeTotal) : "—"}
                    </td>
                    <td data-label="Network share">
                      {e.networkShare !== null ? formatGbtAmount(e.networkShare) : "—"}
                    </td>
                    <td data-label="Final">
                      {e.finalAt
                        ? formatAgo(e.finalAt, now)
                        : e.status === "open"
                          ? `open since ${formatAgo(e.openedAt, now)}`
                          : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {epochPage.more && (
              <button
                type="button"
                className="link show-more"
                data-testid="epochs-more"
                onClick={() => setEpochsShown(epochsShown + PAGE_STEP)}
              >
                Show {PAGE_STEP} more
              </button>
            )}
          </div>
        ) : (
          <Empty>{epochs.isLoading ? "Loading…" : "No epochs yet."}</Empty>
        )}
      </Card>
    </div>
  );
}
