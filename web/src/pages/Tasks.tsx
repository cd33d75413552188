import { useState } from "react";
import { useAccount } from "wagmi";
import { Card, Empty } from "../components/ui.tsx";
import { useTasks } from "../hooks/data.ts";
import { formatAgo, formatCount } from "../lib/format.ts";
import type { TaskStatus } from "../lib/sdk.ts";
import { useLive } from "../live.tsx";
import { useNow } from "./Dashboard.tsx";

const FILTERS: Array<{ value: TaskStatus | ""; label: string }> = [
  { value: "", label: "All" },
  { value: "validated", label: "Validated" },
  { value: "assigned", label: "Processing" },
  { value: "queued", label: "Queued" },
  { value: "rejected", label: "Rejected" },
];

export function TasksPage() {
  const { address } = useAccount();
  const [mine, setMine] = useState(false);
  const [status, setStatus] = useState<TaskStatus | "">("");
  const tasks = useTasks({ limit: 50, ...(mine && address ? { node: address } : {}), ...(status ? { status } : {}) });
  const live = useLive();
  const now = useNow(2_000);
  return (
    <div className="page tasks">
      <Card
        title="Live task feed"
        actions={
          <div className="filters">
            <label>
              Status{" "}
              <select
                value={status}
                onChange={(e) => setStatus(e.target.value as TaskStatus | "")}
                aria-label="Filter by status"
              >
                {FILTERS.map((f) => (
                  <option key={f.value} value={f.value}>
                    {f.label}
                  </option>
                ))}
              </select>
            </label>
            {address && (
              <label>
                <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Only my node
              </label>
            )}
          </div>
        }
      >
        <p className="muted small">
          {live.status === "live" ? "Updates as verdicts arrive." : "Refreshing every 5 s."} Inputs stay private until
          verified; known-answer checks look like any other task.
        </p>
        {tasks.data && tasks.data.length > 0 ? (
          <div className="table-wrap">
            <table className="table" aria-label="Tasks" data-testid="task-table">
              <thead>
                <tr>
                  <th>Task</th>
                  <th>Model</th>
                  <th>Status</th>
                  <th>Tokens</th>
                  <th>Epoch</th>
                  <th>When</th>
                </tr>
              </thead>
              <tbody>
                {tasks.data.map((t) => (
                  <tr key={t.id}>
                    <td>
                      <code>{t.id.slice(0, 10)}</code>
                    </td>
                    <td>{t.model}</td>
                    <td>
                      <span className={`tag tag-${t.status}`}>{t.status === "assigned" ? "processing" : t.status}</span>
                    </td>
                    <td>{t.tokensGenerated !== null ? formatCount(t.tokensGenerated) : "—"}</td>
                    <td>{t.epoch ?? "—"}</td>
                    <td>{formatAgo(t.judgedAt ?? t.createdAt, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <Empty>{tasks.isLoading ? "Loading…" : "No tasks yet."}</Empty>
        )}
      </Card>
    </div>
  );
}
