import { useEffect, useState } from "react";
import { useAccount } from "wagmi";
import { ActivityChart, Address, Card, ConnectPrompt, Gauge, Stat } from "../components/ui.tsx";
import { useClaimProof, useOnChain, useProfile, useStats, useTasks } from "../hooks/data.ts";
import { activityRate, bucketize, mergeActivity, utilization } from "../lib/activity.ts";
import { dailyLimit, readConsent } from "../lib/consent.ts";
import { countryLabel } from "../lib/countries.ts";
import {
  formatBps,
  formatCount,
  formatGbtAmount,
  formatMs,
  formatRate,
  formatSeconds,
  formatShare,
  formatTasks,
  greeting,
  shortAddress,
} from "../lib/format.ts";
import { useLive } from "../live.tsx";
import { BrowserNodeSummary } from "../node-runtime/BrowserNodeSummary.tsx";

export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

const BUCKET_MS = 10_000;

export function DashboardPage() {
  const { address } = useAccount();
  const profile = useProfile(address);
  const stats = useStats();
  const chain = useOnChain(address);
  const claim = useClaimProof(address);
  const live = useLive();
  const clock = useNow(2_000);
  // The chart starts from the relayer's final tasks (the wallet's node once connected, the network before), then
  // adds the verdicts pushed since: it is full on load and on connect, not only after new verdicts arrive.
  const mineHistory = useTasks({ limit: 100, ...(address ? { node: address } : {}) });
  const networkHistory = useTasks({ limit: 100 });
  const ownActivity = mergeActivity(mineHistory.data ?? [], live.verdicts);
  // Verdicts arrive between ticks: the chart's "now" is never older than the newest one.
  const now = Math.max(clock, ownActivity.at(-1)?.at ?? 0);
  // A wallet whose node did nothing lately sees the network's activity instead of an empty chart, and is told so.
  const ownInWindow = ownActivity.some((point) => point.at > now - BUCKET_MS * 30);
  const showNetwork = !address || !ownInWindow;
  const activity = showNetwork ? mergeActivity(networkHistory.data ?? [], address ? [] : live.verdicts) : ownActivity;

  const p = profile.data ?? null;
  const claimable = claim.data && chain.claimed !== undefined ? claim.data.state.cumulativeAmount - chain.claimed : 0n;
  const limit = dailyLimit(readConsent());
  const buckets = bucketize(activity, now, BUCKET_MS, 30);
  const rate = activityRate(ownActivity, now);
  const nodeStatus = !p ? "not seen yet" : p.banned ? "banned" : p.connected ? "online" : "offline";

  return (
    <div className="page dashboard">
      <section className="hero" aria-label="Greeting">
        <div>
          <h2 className="hello">
            {greeting(new Date(now).getHours())}
            {address ? `, ${shortAddress(address)}` : ""}
          </h2>
          <p className="muted">
            {address
              ? p
                ? "Your node's earnings and standing, live from the relayer and the chain."
                : "The relayer has not seen this wallet yet: start the GPU node on the Mining page to earn GBT."
              : "Connect a wallet to see your node, or look around: the network numbers below are live."}
          </p>
        </div>
        {address && (
          <span className={`status-badge status-${nodeStatus.replace(/\s/g, "-")}`} data-testid="node-status">
            Node {nodeStatus}
          </span>
        )}
        {address && <BrowserNodeSummary />}
      </section>

      {!address && <ConnectPrompt what="see your balance, earnings and node" />}

      {address && (
        <div className="grid stats-grid">
          <Stat
            label="GBT balance (on-chain)"
            testId="gbt-balance"
            value={chain.balance !== undefined ? formatGbtAmount(chain.balance) : "…"}
            hint="in your wallet"
          />
          <Stat
            label="Confirmed"
            testId="earnings-confirmed"
            value={formatGbtAmount(p?.confirmedWei ?? 0n)}
            hint="validated, all time · new rewards appear once verified"
            tone="good"
          />
          <Stat
            label="Claimable"
            testId="earnings-claimable"
            value={formatGbtAmount(claimable > 0n ? claimable : 0n)}
            hint={<a href="#/wallet">claim on Wallet →</a>}
          />
          <Stat
            label="Tasks completed"
            testId="tasks-completed"
            value={formatCount(p?.tasksValidated ?? 0)}
            hint={`${formatTasks(p?.tasksFailed ?? 0)} failed`}
          />
          <Stat
            label="GPU seconds today"
            testId="gpu-seconds"
            value={formatSeconds(p?.gpuSecondsToday ?? 0)}
            hint={`of ${formatSeconds(limit)} daily limit`}
          />
          <Stat
            label="Utilization"
            testId="utilization"
            value={formatShare(utilization(p?.gpuSecondsToday ?? 0, limit))}
            hint="of your daily GPU limit"
          />
          <Stat
            label="Task rate"
            testId="tasks-per-hour"
            value={formatRate(rate)}
            hint={`${formatTasks(p?.tasksLastHour ?? 0)} in the last hour (relayer)`}
          />
          <Stat
            label="WebSocket latency"
            value={live.status === "live" && live.latencyMs !== null ? formatMs(live.latencyMs) : "—"}
            hint={live.status === "live" ? "live channel" : "polling every 5 s"}
          />
        </div>
      )}

      <div className="grid two">
        <Card
          title={showNetwork ? "Network activity" : "GPU activity"}
          actions={<span className="muted small">last 5 min · 10 s bars</span>}
        >
          <ActivityChart buckets={buckets} bucketSeconds={BUCKET_MS / 1000} />
          <p className="muted small" data-testid="activity-caption">
            {`${formatTasks(buckets.reduce((sum, b) => sum + b.tasks, 0))} in the last 5 min`}
            {showNetwork
              ? address
                ? " across the network: your node has no final task in that time."
                : " across the network."
              : " by your node."}
          </p>
        </Card>
        <Card title="Network">
          <div className="grid three compact">
            <Stat
              label="Active nodes"
              testId="net-active"
              value={formatCount(stats.data?.activeNodes ?? 0)}
              hint={`${formatCount(stats.data?.nodes ?? 0)} known`}
            />
            <Stat
              label="Tasks completed"
              testId="net-tasks"
              value={formatTasks(stats.data?.tasksCompleted ?? 0)}
              hint={`${formatTasks(stats.data?.tasksQueued ?? 0)} queued`}
            />
            <Stat
              label="Fraud blocked"
              testId="net-fraud"
              value={formatCount(stats.data?.fraudBlocked ?? 0)}
              hint="wrong results caught by verification"
              tone="warn"
            />
          </div>
        </Card>
      </div>

      {address && (
        <div className="grid two">
          <Card title="Node profile">
            <dl className="kv">
              <dt>Wallet</dt>
              <dd>
                <Address value={address} />
              </dd>
              <dt>Status</dt>
              <dd>{nodeStatus}</dd>
              <dt>Country</dt>
              <dd>{p?.country ? countryLabel(p.country) : "not declared"}</dd>
              <dt>Claimed so far</dt>
              <dd>{formatGbtAmount(chain.claimed ?? 0n)}</dd>
              <dt>Last final epoch</dt>
              <dd>{chain.latestFinalEpoch !== undefined ? String(chain.latestFinalEpoch) : "—"}</dd>
            </dl>
          </Card>
          <Card title="Reputation" actions={<a href="#/reputation">details →</a>}>
            <div className="rep-row">
              <Gauge bps={p?.reputationBps ?? 10_000} label="Reputation" />
              <dl className="kv">
                <dt>Score</dt>
                <dd data-testid="rep-score">{formatBps(p?.reputationBps ?? 10_000)}</dd>
                <dt>Validated</dt>
                <dd>{formatTasks(p?.tasksValidated ?? 0)}</dd>
                <dt>Failed</dt>
                <dd>{formatTasks(p?.tasksFailed ?? 0)}</dd>
                <dt>Strikes</dt>
                <dd>
                  {p?.activeStrikes ?? 0} active / 3 · {p?.strikes ?? 0} ever
                </dd>
              </dl>
            </div>
          </Card>
        </div>
      )}
    </div>
  );
}
