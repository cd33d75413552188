import { ConnectButton } from "@rainbow-me/rainbowkit";
import { type ReactNode, useState } from "react";
import type { FeedStatus } from "../lib/feed.ts";
import { formatBps, shortAddress } from "../lib/format.ts";

export function Card({
  title,
  children,
  className,
  actions,
}: {
  title?: ReactNode;
  children: ReactNode;
  className?: string;
  actions?: ReactNode;
}) {
  return (
    <section className={`card ${className ?? ""}`} aria-label={typeof title === "string" ? title : undefined}>
      {(title || actions) && (
        <header className="card-head">
          {title && <h2>{title}</h2>}
          {actions}
        </header>
      )}
      {children}
    </section>
  );
}

export function Stat({
  label,
  value,
  hint,
  testId,
  tone,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  testId?: string;
  tone?: "good" | "warn" | "bad";
}) {
  return (
    <div className={`stat ${tone ?? ""}`}>
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
      {hint && <div className="stat-hint">{hint}</div>}
    </div>
  );
}

export function LivePill({ status, latencyMs }: { status: FeedStatus; latencyMs: number | null }) {
  const text = status === "live" ? "WS live" : status === "offline" ? "offline · polling" : "connecting";
  return (
    <output
      className={`pill pill-${status}`}
      data-testid="ws-pill"
      aria-live="polite"
      title={
        status === "offline"
          ? "Live channel dropped: retrying every 5 s, data refreshes over HTTP meanwhile"
          : "Live updates from the relayer"
      }
    >
      <span className="dot" aria-hidden="true" />
      {text}
      {status === "live" && latencyMs !== null ? ` · ${latencyMs} ms` : ""}
    </output>
  );
}

/** Half-circle gauge for a reputation in basis points. */
export function Gauge({ bps, label }: { bps: number; label: string }) {
  const pct = Math.max(0, Math.min(1, bps / 10_000));
  const angle = Math.PI * (1 - pct);
  const x = 60 + 50 * Math.cos(angle);
  const y = 60 - 50 * Math.sin(angle);
  const color = bps > 7_000 ? "var(--good)" : bps > 4_000 ? "var(--warn)" : "var(--bad)";
  return (
    <svg className="gauge" viewBox="0 0 120 70" role="img" aria-label={`${label}: ${formatBps(bps)}`}>
      <path d="M10 60 A50 50 0 0 1 110 60" fill="none" stroke="var(--line)" strokeWidth="10" strokeLinecap="round" />
      {pct > 0 && (
        <path
          d={`M10 60 A50 50 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`}
          fill="none"
          stroke={color}
          strokeWidth="10"
          strokeLinecap="round"
        />
      )}
      <text x="60" y="56" textAnchor="middle" className="gauge-text">
        {formatBps(bps)}
      </text>
    </svg>
  );
}

/** Bar chart of tasks per bucket (failed part in red). */
export function ActivityChart({
  buckets,
  bucketSeconds,
}: {
  buckets: Array<{ tasks: number; failed: number }>;
  bucketSeconds: number;
}) {
  const max = Math.max(1, ...buckets.map((b) => b.tasks));
  const width = 300;
  const height = 80;
  const barWidth = width / buckets.length;
  const total = buckets.reduce((sum, b) => sum + b.tasks, 0);
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`GPU activity: ${total} tasks in the last ${Math.round((buckets.length * bucketSeconds) / 60)} minutes`}
    >
      {buckets.map((b, i) => {
        const h = (b.tasks / max) * (height - 4);
        const fh = (b.failed / max) * (height - 4);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: buckets are positional
          <g key={i}>
            <rect x={i * barWidth + 1} y={height - h} width={barWidth - 2} height={h} rx="1.5" fill="var(--accent)" />
            {fh > 0 && <rect x={i * barWidth + 1} y={height - fh} width={barWidth - 2} height={fh} fill="var(--bad)" />}
          </g>
        );
      })}
      <line x1="0" y1={height - 0.5} x2={width} y2={height - 0.5} stroke="var(--line)" />
    </svg>
  );
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(value * 100)}
    >
      <div className="progress-fill" style={{ width: `${Math.round(Math.max(0, Math.min(1, value)) * 100)}%` }} />
    </div>
  );
}

export function ConnectPrompt({ what }: { what: string }) {
  return (
    <Card className="connect-prompt">
      <h2>Connect your wallet</h2>
      <p>
        Connect the wallet your node earns to, to {what}. GitBlock never moves your funds: the wallet only signs in to
        the relayer and sends the claims you click.
      </p>
      <ConnectButton />
    </Card>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export type TxState =
  | { kind: "idle" }
  | { kind: "wallet" }
  | { kind: "pending"; hash: string }
  | { kind: "confirmed"; hash: string }
  | { kind: "failed"; message: string; hash?: string };

export function TxStatus({
  state,
  link,
  testId,
}: {
  state: TxState;
  link: (hash: string) => string | null;
  testId?: string;
}) {
  if (state.kind === "idle") return null;
  const hashView = (hash: string) => {
    const href = link(hash);
    return href ? (
      <a href={href} target="_blank" rel="noreferrer">
        {hash.slice(0, 10)}…
      </a>
    ) : (
      <code title={hash}>
        {hash.slice(0, 10)}…{hash.slice(-6)}
      </code>
    );
  };
  return (
    <output className={`tx tx-${state.kind}`} data-testid={testId} aria-live="polite">
      {state.kind === "wallet" && "Confirm in your wallet…"}
      {state.kind === "pending" && <>Pending · transaction {hashView(state.hash)}</>}
      {state.kind === "confirmed" && <>Confirmed · transaction {hashView(state.hash)}</>}
      {state.kind === "failed" && (
        <>
          Failed: {state.message}
          {state.hash && <> · {hashView(state.hash)}</>}
        </>
      )}
    </output>
  );
}

/**
 * An address as 0x1234…abcd (it never wraps over lines on a phone), the whole of it in the title, with a button that
 * copies it.
 */
export function Address({ value }: { value: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1_500);
    } catch {
      // No clipboard access (an insecure origin, a denied permission): the title still shows the whole address.
    }
  };
  return (
    <span className="address">
      <code title={value}>{shortAddress(value)}</code>
      <button type="button" className="copy" onClick={copy} aria-label={`Copy address ${value}`}>
        {copied ? "copied" : "copy"}
      </button>
    </span>
  );
}
