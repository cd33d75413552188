import { Fragment, useState } from "react";
import { useAccount } from "wagmi";
import { TaskAssignments } from "../components/TaskAssignments.tsx";
import { Card, Empty } from "../components/ui.tsx";
import { useTasks } from "../hooks/data.ts";
import { formatAgo, formatCount, shortTaskId } from "../lib/format.ts";
import type { FinalTaskStatus } from "../lib/sdk.ts";
import { TASK_FILTERS, taskStatusLabel } from "../lib/task-labels.ts";
import { useLive } from "../live.tsx";
import { useNow } from "./Dashboard.tsx";

export function TasksPage() {
  const { address } = useAccount();
  const [mine, setMine] = useState(false);
  const [status, setStatus] = useState<FinalTaskStatus | "">("");
  const [open, setOpen] = useState<string | null>(null);
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
                onChange={(e) => setStatus(e.target.value as FinalTaskStatus | "")}
                aria-label="Filter by status"
              >
                {TASK_FILTERS.map((f) => (
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
          {live.status === "live" ? "Updates as verdicts arrive." : "Refreshing every 5 s."} Only finished tasks are
          listed: work in progress stays private to the nodes doing it, and prompts and outputs are not kept. One node
          generates each task; others verify it. Known-answer checks look like any other task.
        </p>
        {tasks.data && tasks.data.length > 0 ? (
          <div className="table-wrap">
            <table className="table as-cards" aria-label="Tasks" data-testid="task-table">
              <thead>
                <tr>
                  <th>Task</th>
                  <th>Model</th>
                  <th>Status</th>
                  <th>Tokens</th>
                  <th>Epoch</th>
                  <th>When</th>
                  <th>Nodes</th>
                </tr>
              </thead>
              <tbody>
                {tasks.data.map((t) => (
                  <Fragment key={t.id}>
                    <tr>
                      <td data-label="Task">
                        <code title={t.id}>{shortTaskId(t.id)}</code>
                      </td>
                      <td data-label="Model">{t.model}</td>
                      <td data-label="Status">
                        <span className={`tag tag-${t.status}`}>{taskStatusLabel(t.status)}</span>
                      </td>
                      <td data-label="Tokens">
                        {t.tokensGenerated !== null ? `${formatCount(t.tokensGenerated)} tokens` : "—"}
                      </td>
                      <td data-label="Epoch">{t.epoch !== null ? `#${t.epoch}` : "—"}</td>
                      <td data-label="When">{formatAgo(t.judgedAt ?? t.createdAt, now)}</td>
                      <td data-label="Nodes">
                        <button
                          type="button"
                          className="link"
                          aria-expanded={open === t.id}
                          onClick={() => setOpen(open === t.id ? null : t.id)}
                        >
                          {open === t.id ? "hide" : "who verified"}
                        </button>
                      </td>
                    </tr>
                    {open === t.id && (
                      <tr className="detail-row">
                        <td colSpan={7}>
                          <TaskAssignments taskId={t.id} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
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
