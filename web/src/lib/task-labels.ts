/**
 * Words for a task's status and a node's part in it. The relayer shows final tasks only (validated, rejected,
 * inconclusive, revoked, expired) and every verifier, a dispute-tier decision included, as `verify`; the in-flight
 * stages have words too, for a node's own view of its work.
 */
import {
  type AssignmentRole,
  type AssignmentStatus,
  FINAL_TASK_STATUSES,
  type FinalTaskStatus,
  type TaskStatus,
} from "./sdk.ts";

const STATUS: Record<TaskStatus, string> = {
  queued: "queued",
  assigned: "generating",
  verifying: "verifying",
  disputed: "in dispute",
  validated: "validated",
  rejected: "rejected",
  inconclusive: "inconclusive",
  revoked: "revoked",
  expired: "expired",
};

export const taskStatusLabel = (status: TaskStatus): string => STATUS[status] ?? status;

/** The task feed's status filter: final statuses only (the relayer lists nothing else). */
export const TASK_FILTERS: ReadonlyArray<{ value: FinalTaskStatus | ""; label: string }> = [
  { value: "", label: "All" },
  ...FINAL_TASK_STATUSES.map((value) => ({ value, label: STATUS[value].replace(/^./, (c) => c.toUpperCase()) })),
];

const ROLE: Record<AssignmentRole, string> = {
  generate: "generated",
  verify: "verified",
  dispute: "verified",
};

export const roleLabel = (role: AssignmentRole): string => ROLE[role] ?? role;

const OUTCOME: Record<AssignmentStatus, string> = {
  assigned: "assigned",
  committed: "committed",
  revealed: "revealed",
  submitted: "reported",
  mismatch: "did not match its commitment",
  withdrawn: "withdrawn (banned)",
  correct: "correct",
  wrong: "wrong",
  timeout: "timed out",
  inconclusive: "inconclusive",
};

export const assignmentStatusLabel = (status: AssignmentStatus): string => OUTCOME[status] ?? status;
