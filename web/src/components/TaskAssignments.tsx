import { useTask } from "../hooks/data.ts";
import { formatCount, formatGbt, shortAddress } from "../lib/format.ts";
import { assignmentStatusLabel, roleLabel } from "../lib/task-labels.ts";

/** Who generated a final task and who verified it, with each one's verdict and reward. */
export function TaskAssignments({ taskId }: { taskId: string }) {
  const task = useTask(taskId);
  if (task.isLoading) return <p className="muted small">Loading…</p>;
  if (!task.data) return <p className="muted small">This task is not available.</p>;
  return (
    <table className="table" aria-label={`Nodes on task ${taskId.slice(0, 10)}`} data-testid="task-assignments">
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
            <td>
              <code title={a.node}>{shortAddress(a.node)}</code>
            </td>
            <td>{roleLabel(a.role)}</td>
            <td>
              <span className={`tag tag-${a.status}`}>{assignmentStatusLabel(a.status)}</span>
            </td>
            <td>{a.tokensGenerated !== null ? formatCount(a.tokensGenerated) : "—"}</td>
            <td>{a.rewardWei > 0n ? `${formatGbt(a.rewardWei)} GBT` : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
