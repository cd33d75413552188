import { useAccount } from "wagmi";
import { Card, ConnectPrompt, Empty, Gauge, Stat, TxStatus } from "../components/ui.tsx";
import { useDeployment } from "../context.tsx";
import { useClaimProof, useOnChain, useProfile, useTasks } from "../hooks/data.ts";
import { useVaultHistory } from "../hooks/history.ts";
import { useContractTx } from "../hooks/tx.ts";
import { txLink } from "../lib/config.ts";
import { formatAgo, formatBps, formatCountdown, formatSeconds, formatTasks, shortTaskId } from "../lib/format.ts";
import { rewardsVaultAbi } from "../lib/sdk.ts";
import { taskStatusLabel } from "../lib/task-labels.ts";
import { useLive } from "../live.tsx";
import { useNow } from "./Dashboard.tsx";

export function ReputationPage() {
  const { address } = useAccount();
  const deployment = useDeployment();
  const profile = useProfile(address);
  const chain = useOnChain(address);
  const claim = useClaimProof(address);
  const tasks = useTasks({ node: address, limit: 20 });
  const history = useVaultHistory(address);
  const live = useLive();
  const tx = useContractTx();
  const now = useNow(1_000);

  if (!address) return <ConnectPrompt what="see and prove your reputation" />;
  const p = profile.data;
  const onChain = chain.reputation;
  const proven = claim.data?.state;
  const recordedEpoch = onChain ? Number(onChain.epoch) : 0;
  const canRecord = Boolean(claim.data && deployment) && recordedEpoch < (claim.data?.epoch ?? 0);

  const onRecord = async () => {
    if (!claim.data || !deployment) return;
    await tx.send({
      address: deployment.contracts.rewardsVault,
      abi: rewardsVaultAbi,
      functionName: "recordReputation",
      args: [claim.data.state, claim.data.proof],
      chainId: deployment.chainId,
    });
    await Promise.all([chain.refetch(), history.refetch()]);
  };

  const mine = live.verdicts
    .filter((v) => v.node === address)
    .slice(-12)
    .reverse();

  return (
    <div className="page reputation">
      <div className="grid two">
        <Card title="Your reputation">
          <div className="rep-row">
            <Gauge bps={p?.reputationBps ?? 10_000} label="Reputation" />
            <div className="grid two compact">
              <Stat
                label="Score"
                testId="reputation-score"
                value={formatBps(p?.reputationBps ?? 10_000)}
                hint={(p?.reputationBps ?? 10_000) > 7_000 ? "above 70%: +10% bonus" : "at or below 70%: no bonus"}
                tone={(p?.reputationBps ?? 10_000) > 7_000 ? "good" : "warn"}
              />
              <Stat
                label="Strikes"
                value={`${p?.activeStrikes ?? 0} / 3`}
                hint={`${p?.strikes ?? 0} ever · 3 active strikes ban for 24 h`}
                tone={(p?.activeStrikes ?? 0) > 0 ? "warn" : undefined}
              />
              <Stat label="Validated" value={formatTasks(p?.tasksValidated ?? 0)} />
              <Stat label="Failed" value={formatTasks(p?.tasksFailed ?? 0)} />
              <Stat
                label="Challenges passed"
                testId="challenges-passed"
                value={String(p?.challenges.passed ?? 0)}
                hint="known-answer checks, counted per closed epoch"
                tone="good"
              />
              <Stat
                label="Challenges failed"
                testId="challenges-failed"
                value={String(p?.challenges.failed ?? 0)}
                hint="each costs 15 points and a strike"
                tone={(p?.challenges.failed ?? 0) > 0 ? "bad" : undefined}
              />
            </div>
          </div>
          <p className="muted small" data-testid="passive-countdown">
            {p?.passive.nextAt
              ? `Passive reward: next window ends in ${formatCountdown(p.passive.nextAt, now)} (one every ${formatSeconds(p.passive.intervalSeconds)} while your node stays connected and answers its tasks)`
              : `Passive reward: one every ${formatSeconds(p?.passive.intervalSeconds ?? 300)} while your node stays connected and answers its tasks; it is not connected now`}
            {p?.passive.lastAt ? ` · last paid ${formatAgo(p.passive.lastAt, now)}.` : "."}
          </p>
          {p?.banned && p.bannedUntil ? (
            <p className="banner bad" role="alert" data-testid="ban-timer">
              Banned: the relayer sends this node no work for another{" "}
              <strong>{formatCountdown(p.bannedUntil, now)}</strong>.
            </p>
          ) : (
            <p className="muted small">
              Not banned. Three strikes (wrong results, timeouts, failed checks) pause the node for 24 hours.
            </p>
          )}
        </Card>

        <Card title="Relayer's view vs on-chain record">
          <div className="table-wrap">
            <table className="table compare as-cards" aria-label="Reputation comparison">
              <thead>
                <tr>
                  <th />
                  <th>Relayer (now)</th>
                  <th>Proven (final epoch{claim.data ? ` ${claim.data.epoch}` : ""})</th>
                  <th>Recorded on-chain</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">Reputation</th>
                  <td data-label="Relayer (now)">{formatBps(p?.reputationBps ?? 10_000)}</td>
                  <td data-label="Proven">{proven ? formatBps(proven.reputationBps) : "—"}</td>
                  <td data-label="On-chain" data-testid="onchain-reputation">
                    {onChain && recordedEpoch > 0 ? formatBps(onChain.reputationBps) : "not recorded"}
                  </td>
                </tr>
                <tr>
                  <th scope="row">Validated</th>
                  <td data-label="Relayer (now)">{p?.tasksValidated ?? 0}</td>
                  <td data-label="Proven">{proven ? String(proven.tasksValidated) : "—"}</td>
                  <td data-label="On-chain">{onChain && recordedEpoch > 0 ? String(onChain.tasksValidated) : "—"}</td>
                </tr>
                <tr>
                  <th scope="row">Failed</th>
                  <td data-label="Relayer (now)">{p?.tasksFailed ?? 0}</td>
                  <td data-label="Proven">{proven ? String(proven.tasksFailed) : "—"}</td>
                  <td data-label="On-chain">{onChain && recordedEpoch > 0 ? String(onChain.tasksFailed) : "—"}</td>
                </tr>
                <tr>
                  <th scope="row">Strikes</th>
                  <td data-label="Relayer (now)">{p?.strikes ?? 0}</td>
                  <td data-label="Proven">{proven ? proven.strikes : "—"}</td>
                  <td data-label="On-chain">{onChain && recordedEpoch > 0 ? onChain.strikes : "—"}</td>
                </tr>
                <tr>
                  <th scope="row">Epoch</th>
                  <td data-label="Relayer (now)">live</td>
                  <td data-label="Proven">{claim.data?.epoch ?? "—"}</td>
                  <td data-label="On-chain">{recordedEpoch > 0 ? recordedEpoch : "—"}</td>
                </tr>
              </tbody>
            </table>
          </div>
          <p className="muted small">
            Other protocols read the on-chain record (one storage read). Recording costs a little gas; anyone may send
            it for you.
          </p>
          <div className="actions">
            <button
              type="button"
              className="primary"
              data-testid="record-button"
              disabled={!canRecord || tx.state.kind === "pending" || tx.state.kind === "wallet"}
              onClick={onRecord}
            >
              {canRecord
                ? `Record epoch ${claim.data?.epoch} state on-chain`
                : claim.data
                  ? "On-chain record is up to date"
                  : "Nothing proven yet"}
            </button>
            <TxStatus state={tx.state} link={(h) => txLink(deployment, h)} testId="record-status" />
          </div>
        </Card>
      </div>

      <div className="grid two">
        <Card title="Recent verdicts">
          {mine.length > 0 ? (
            <ul className="timeline">
              {mine.map((v) => (
                <li key={`${v.taskId}-${v.receivedAt}`} className={`verdict-${v.outcome}`}>
                  <span className={`tag tag-${v.outcome}`}>{v.outcome}</span> task{" "}
                  <code title={v.taskId}>{shortTaskId(v.taskId)}</code> → {formatBps(v.reputationBps)} ·{" "}
                  {formatAgo(v.receivedAt, now)}
                </li>
              ))}
            </ul>
          ) : tasks.data && tasks.data.length > 0 ? (
            <ul className="timeline">
              {tasks.data.slice(0, 12).map((t) => (
                <li key={t.id}>
                  <span className={`tag tag-${t.status}`}>{taskStatusLabel(t.status)}</span> task{" "}
                  <code title={t.id}>{shortTaskId(t.id)}</code> · {t.model} ·{" "}
                  {formatAgo(t.judgedAt ?? t.createdAt, now)}
                </li>
              ))}
            </ul>
          ) : (
            <Empty>No verdicts yet.</Empty>
          )}
        </Card>
        <Card title="On-chain records">
          {history.data && history.data.records.length > 0 ? (
            <ul className="timeline">
              {history.data.records.map((r) => (
                <li key={r.txHash}>
                  Epoch {String(r.epoch)}: {formatBps(r.reputationBps)} · block {String(r.blockNumber)} ·{" "}
                  <code>{r.txHash.slice(0, 10)}…</code>
                </li>
              ))}
            </ul>
          ) : (
            <Empty>Never recorded on-chain.</Empty>
          )}
        </Card>
      </div>
    </div>
  );
}
