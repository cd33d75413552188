/**
 * The dashboard's view of this browser's node: its real state (not the relayer's last sighting of the wallet), the
 * session's tasks and earnings, and stop / open controls. The wallet may run other nodes elsewhere; the relayer's
 * status next to this one speaks for all of them.
 */
import "./node-runtime.css";
import { formatGbt } from "../lib/format.ts";
import { useBrowserNode } from "./BrowserNodeProvider.tsx";
import { isActive, SIMULATION_LABEL, statusText, taskCount } from "./status-text.ts";

export function BrowserNodeSummary() {
  const node = useBrowserNode();
  return (
    <div className="node-pill" data-testid="browser-node">
      <a href="#/mine" className={`status-badge status-${node.status}`} data-testid="browser-node-status">
        This browser: {statusText(node.status)}
      </a>
      {node.engine?.simulated && isActive(node.status) && <span className="tag tag-open">{SIMULATION_LABEL}</span>}
      {node.status === "running" && (
        <span className="muted small">
          {taskCount(node.tasksReceived)} · {formatGbt(node.earnedWei)} GBT this session
        </span>
      )}
      {isActive(node.status) ? (
        <button type="button" data-testid="browser-node-stop" onClick={() => void node.stop()}>
          Stop
        </button>
      ) : (
        <a href="#/mine" className="muted small">
          Start on the Mining page
        </a>
      )}
    </div>
  );
}
