/**
 * The active-session panel: what this browser's node is doing right now — session time, live earnings, reputation,
 * tasks completed, accepted and rejected, the countdown to the next passive reward — and a stop button. Shown on the Mining page (#/mine) while a session runs.
 */
import "./node-runtime.css";
import { useEffect, useState } from "react";
import { Card, Stat } from "../components/ui.tsx";
import { useProfile } from "../hooks/data.ts";
import { formatBps, formatCount, formatCountdown, formatGbt, formatSeconds } from "../lib/format.ts";
import { useBrowserNode } from "./BrowserNodeProvider.tsx";
import { nextPassiveAt } from "./passive-countdown.ts";
import { isActive, SIMULATION_LABEL, statusText, taskCount } from "./status-text.ts";

function useTick(active: boolean, intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}

export function ActiveSessionPanel() {
  const node = useBrowserNode();
  const now = useTick(node.status === "running");
  const elapsed = node.startedAt ? Math.max(0, (now - node.startedAt) / 1000) : 0;
  const passive = useProfile(node.address ?? undefined).data?.passive;
  const nextPassive =
    node.status === "running" && passive ? nextPassiveAt(passive.nextAt, passive.intervalSeconds * 1000, now) : null;
  return (
    <Card
      title="Active session"
      className="session-panel"
      actions={
        <span className={`status-badge status-${node.status}`} data-testid="session-status">
          {statusText(node.status)}
        </span>
      }
    >
      {node.engine && (
        <p className="muted small" data-testid="session-engine">
          Engine: <strong>{node.engine.simulated ? SIMULATION_LABEL : node.engine.name}</strong>
        </p>
      )}
      <div className="grid three compact">
        <Stat
          label="Session time"
          testId="session-time"
          value={<span className="session-clock">{formatSeconds(elapsed)}</span>}
        />
        <Stat label="Earned this session" testId="session-earned" value={`${formatGbt(node.earnedWei)} GBT`} />
        <Stat
          label="Reputation"
          testId="session-reputation"
          value={node.reputationBps === null ? "— (after the first verdict)" : formatBps(node.reputationBps)}
        />
        <Stat label="Tasks completed" testId="session-completed" value={taskCount(node.tasksCompleted)} />
        <Stat label="Accepted" testId="session-accepted" value={taskCount(node.accepted)} tone="good" />
        <Stat
          label="Rejected"
          testId="session-rejected"
          value={taskCount(node.rejected)}
          tone={node.rejected > 0 ? "bad" : undefined}
          hint={node.timeouts > 0 ? `${formatCount(node.timeouts)} timed out` : undefined}
        />
        <Stat
          label="Next passive reward"
          testId="session-passive"
          value={nextPassive !== null ? `in ${formatCountdown(nextPassive, now)}` : "—"}
          hint={
            passive
              ? `paid every ${formatSeconds(passive.intervalSeconds)} while the node stays connected and ready`
              : "paid while the node stays connected and ready"
          }
        />
      </div>
      {isActive(node.status) && (
        <div className="actions">
          <button type="button" data-testid="session-stop" onClick={() => void node.stop()}>
            Stop the node
          </button>
        </div>
      )}
    </Card>
  );
}
