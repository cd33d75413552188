import { useTask } from "../hooks/data.ts";
import { formatCount, formatGbtAmount, shortTaskId } from "../lib/format.ts";
import { assignmentStatusLabel, roleLabel } from "../lib/task-labels.ts";
import { Address } from "./ui.tsx";

/** Who generated a final task and who verified it, with each one's verdict and reward. */
export function TaskAssignments({ taskId }: { taskId: string }) {
  const task = useTask(taskId);
  if (task.isLoading) return <p className="muted small">Loading…</p>;
  if (!task.data) return <p className="muted small">This task is not available.</p>;
  return (
    <table
      className="table as-cards"
      aria-label={`Nodes on task ${shortTaskId(taskId)}`}
      data-testid="task-assignments"
    >
      <thead>
        <tr>
          <th>Node</th>
          <th>Role</th>
          <th>Verdict</th>
          <th>Tokens</th>
          <th>Reward</th>
        </tr>
      </thead>
      <tbody>
        {task.data.assignments.map((a) => (
          <tr key={`${a.node}-${a.role}-${a.assignedAt}`}>
            <td data-label="Node">
              <Address value={a.node} />
            </td>
            <td data-label="Role">{roleLabel(a.role)}</td>
            <td data-label="Verdict">
              <span className={`tag tag-${a.status}`}>{assignmentStatusLabel(a.status)}</span>
            </td>
            <td data-label="Tokens">{a.tokensGenerated !== null ? `${formatCount(a.tokensGenerated)} tokens` : "—"}</td>
            <td data-label="Reward">{a.rewardWei > 0n ? formatGbtAmount(a.rewardWei) : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
