import { useEffect, useState } from "react";
import { useAccount } from "wagmi";
import { ActivityChart, Card, ConnectPrompt, Gauge, Stat } from "../components/ui.tsx";
import { useClaimProof, useOnChain, useProfile, useStats } from "../hooks/data.ts";
import { bucketize, tasksPerHour, utilization } from "../lib/activity.ts";
import { dailyLimit, readConsent } from "../lib/consent.ts";
import { formatBps, formatCount, formatGbt, formatSeconds, greeting, shortAddress } from "../lib/format.ts";
import { useLive } from "../live.tsx";

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
  // Verdicts arrive between ticks: the chart's "now" is never older than the newest one.
  const now = Math.max(clock, live.activity.at(-1)?.at ?? 0);

  const p = profile.data ?? null;
  const claimable = claim.data && chain.claimed !== undefined ? claim.data.state.cumulativeAmount - chain.claimed : 0n;
  const limit = dailyLimit(readConsent());
  const buckets = bucketize(live.activity, now, BUCKET_MS, 30);
  const perHour = live.activity.length > 0 ? tasksPerHour(live.activity, now) : (p?.tasksLastHour ?? 0);
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
      </section>

      {!address && <ConnectPrompt what="see your balance, earnings and node" />}

      {address && (
        <div className="grid stats-grid">
          <Stat
            label="GBT balance (on-chain)"
            testId="gbt-balance"
            value={chain.balance !== undefined ? formatGbt(chain.balance) : "…"}
            hint="in your wallet"
          />
          <Stat
            label="Confirmed"
            testId="earnings-confirmed"
            value={formatGbt(p?.confirmedWei ?? 0n)}
            hint="validated, all time · new rewards appear once verified"
            tone="good"
          />
          <Stat
            label="Claimable"
            testId="earnings-claimable"
            value={formatGbt(claimable > 0n ? claimable : 0n)}
            hint={<a href="#/wallet">claim on Wallet →</a>}
          />
          <Stat
            label="Tasks completed"
            testId="tasks-completed"
            value={formatCount(p?.tasksValidated ?? 0)}
            hint={`${formatCount(p?.tasksFailed ?? 0)} failed`}
          />
          <Stat
            label="GPU seconds today"
            testId="gpu-seconds"
            value={formatSeconds(p?.gpuSecondsToday ?? 0)}
            hint={`of ${formatSeconds(limit)} daily limit`}
          />
          <Stat
            label="Utilization"
            value={`${Math.round(utilization(p?.gpuSecondsToday ?? 0, limit) * 100)}%`}
            hint="of your daily GPU limit"
          />
          <Stat label="Tasks / hour" testId="tasks-per-hour" value={formatCount(perHour)} />
          <Stat
            label="WebSocket latency"
            value={live.status === "live" && live.latencyMs !== null ? `${live.latencyMs} ms` : "—"}
            hint={live.status === "live" ? "live channel" : "polling every 5 s"}
          />
        </div>
      )}

      <div className="grid two">
        <Card title="GPU activity" actions={<span className="muted small">last 5 min · 10 s bars</span>}>
          <ActivityChart buckets={buckets} bucketSeconds={BUCKET_MS / 1000} />
          <p className="muted small">
            {live.activity.length === 0
              ? "Bars appear as the relayer hands out verdicts for your node."
              : `${live.activity.length} verdicts since this page opened.`}
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
              value={formatCount(stats.data?.tasksCompleted ?? 0)}
              hint={`${formatCount(stats.data?.tasksQueued ?? 0)} queued`}
            />
            <Stat
              label="Fraud blocked"
              testId="net-fraud"
              value={formatCount(stats.data?.fraudBlocked ?? 0)}
              hint="wrong results caught"
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
                <code>{address}</code>
              </dd>
              <dt>Status</dt>
              <dd>{nodeStatus}</dd>
              <dt>Country</dt>
              <dd>{p?.country ?? "not declared"}</dd>
              <dt>Claimed so far</dt>
              <dd>{formatGbt(chain.claimed ?? 0n)} GBT</dd>
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
                <dd>{formatCount(p?.tasksValidated ?? 0)}</dd>
                <dt>Failed</dt>
                <dd>{formatCount(p?.tasksFailed ?? 0)}</dd>
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
