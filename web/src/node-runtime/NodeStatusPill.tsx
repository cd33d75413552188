/** The browser node in the top bar: its status, a link to its session panel, and a stop control, on every page. */
import "./node-runtime.css";
import { useBrowserNode } from "./BrowserNodeProvider.tsx";
import { isActive, SIMULATION_LABEL, statusText, taskCount } from "./status-text.ts";

export function NodeStatusPill() {
  const node = useBrowserNode();
  if (node.status === "stopped") return null;
  return (
    <output className="node-pill" data-testid="topbar-node" aria-live="polite">
      <a href="#/mine" className={`status-badge status-${node.status}`} title="Open the node's session panel">
        Node {statusText(node.status)}
        {node.status === "running" ? ` · ${taskCount(node.tasksReceived)}` : ""}
      </a>
      {node.engine?.simulated && <span className="tag tag-open">{SIMULATION_LABEL}</span>}
      {isActive(node.status) && (
        <button type="button" data-testid="topbar-node-stop" onClick={() => void node.stop()}>
          Stop
        </button>
      )}
    </output>
  );
}
