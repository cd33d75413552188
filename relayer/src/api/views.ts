import {
  type AssignmentRow,
  type EpochRow,
  type FinalTaskStatus,
  isFinalTaskStatus,
  type NodeRow,
  type TaskDetail,
  type TaskRow,
} from "@gitblock/sdk";
import type { AssignmentRecord, EpochRecord, NodeRecord, TaskRecord } from "../store/types.ts";

/**
 * What the API shows of stored records. Every public row is built here field by field, never by spreading a record,
 * so a field the store adds (an input, a commitment, a report, a trap flag, strike times) stays internal until
 * someone adds it to a view on purpose. The rules, and why, are in ./PRIVACY.md.
 */

/** The body of `GET /api/tasks/:id` for an unknown id and for a task in flight alike: existence is not leaked. */
export const TASK_NOT_FOUND = { error: "not found" } as const;

export type FinalTask = TaskRecord & { status: FinalTaskStatus };

export const isFinalTask = (task: TaskRecord): task is FinalTask => isFinalTaskStatus(task.status);

export function nodeRow(node: NodeRecord, connected: boolean): NodeRow {
  return {
    address: node.address,
    operator: node.operator,
    country: node.country,
    reputationBps: node.reputationBps,
    strikes: node.strikes,
    activeStrikes: node.activeStrikes,
    tasksValidated: node.tasksValidated,
    tasksFailed: node.tasksFailed,
    bannedUntil: node.bannedUntil,
    confirmedWei: node.confirmedWei,
    createdAt: node.createdAt,
    lastSeenAt: node.lastSeenAt,
    connected,
  };
}

export function taskRow(task: FinalTask): TaskRow {
  return {
    id: task.id,
    model: task.model,
    status: task.status,
    createdAt: task.createdAt,
    judgedAt: task.judgedAt,
    tokensGenerated: task.tokensGenerated,
    outputHash: task.outputHash,
    epoch: task.epoch,
  };
}

/** A final task without its kind, input or any assignment's working state. */
export function taskDetail(task: FinalTask, assignments: readonly AssignmentRecord[]): TaskDetail {
  return {
    id: task.id,
    model: task.model,
    maxTokens: task.maxTokens,
    seed: task.seed,
    status: task.status,
    createdAt: task.createdAt,
    assignedAt: task.assignedAt,
    deadline: task.deadline,
    outputHash: task.outputHash,
    tokensGenerated: task.tokensGenerated,
    judgedAt: task.judgedAt,
    epoch: task.epoch,
    // In time order, ties by address: never in the order the relayer drew them (a trap or a challenge's reference
    // verifier is drawn last).
    assignments: [...assignments]
      .sort((a, b) => a.assignedAt - b.assignedAt || byAddress(a.node, b.node))
      .map(assignmentRow),
    ...(task.status === "expired" ? { reason: expiryReason(task) } : {}),
  };
}

/** An expired task's wait, in the words an integrator reads (the scheduler's `queueTimeoutMs` ended it). */
function expiryReason(task: FinalTask): string {
  const waitedSec = Math.round(((task.judgedAt ?? task.createdAt) - task.createdAt) / 1_000);
  return `expired in the queue: not taken within ${waitedSec} s, and no connected node could generate it (model "${task.model}")`;
}

/**
 * One node's part in a final task. A dispute-tier decision and a trap show as `verify`, and no verifier's row carries
 * an output hash or a token count (a trap verifier's would be the altered claim's).
 */
export function assignmentRow(assignment: AssignmentRecord): AssignmentRow {
  const generator = assignment.role === "generate";
  return {
    taskId: assignment.taskId,
    node: assignment.node,
    role: generator ? "generate" : "verify",
    status: assignment.status,
    outputHash: generator ? assignment.outputHash : null,
    tokensGenerated: generator ? assignment.tokensGenerated : null,
    queueMs: assignment.queueMs,
    inferenceMs: assignment.inferenceMs,
    assignedAt: assignment.assignedAt,
    submittedAt: assignment.submittedAt,
    rewardWei: assignment.rewardWei,
  };
}

const byAddress = (a: string, b: string): number => {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

export function epochRow(epoch: EpochRecord): EpochRow {
  return {
    epoch: epoch.epoch,
    status: epoch.status,
    openedAt: epoch.openedAt,
    closedAt: epoch.closedAt,
    leafCount: epoch.leafCount,
    cumulativeTotal: epoch.cumulativeTotal,
    networkShare: epoch.networkShare,
    carryWei: epoch.carryWei,
    networkCarryWei: epoch.networkCarryWei,
    root: epoch.root,
    contentHash: epoch.contentHash,
    txHash: epoch.txHash,
    proposalError: epoch.proposalError,
    proposedAt: epoch.proposedAt,
    finalAt: epoch.finalAt,
  };
}
