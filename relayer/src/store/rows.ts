import type { Address, Hex } from "viem";
import type {
  AssignmentRecord,
  EpochRecord,
  EpochStatus,
  LeafRecord,
  LedgerEntry,
  NodeRecord,
  TaskRecord,
  TaskStatus,
} from "./types.ts";

/** Row → record conversions shared by the SQL stores (column names are the same in every dialect). */
export type Value = string | number | bigint | boolean | null | Uint8Array | Date | undefined;
export type Row = Record<string, Value>;

export const INITIAL_REPUTATION_BPS = 10_000;
export const DAY_MS = 86_400_000;

export const str = (value: Value): string => String(value);
export const num = (value: Value): number => Number(value);
export const optNum = (value: Value): number | null => (value === null || value === undefined ? null : Number(value));
export const optStr = <T extends string>(value: Value): T | null =>
  value === null || value === undefined ? null : (String(value) as T);
export const optBig = (value: Value): bigint | null =>
  value === null || value === undefined ? null : BigInt(value as string);

export function toNode(row: Row): NodeRecord {
  return {
    address: str(row.address) as Address,
    operator: str(row.operator),
    country: optStr(row.country),
    reputationBps: num(row.reputation_bps),
    strikes: num(row.strikes),
    activeStrikes: num(row.active_strikes),
    tasksValidated: num(row.tasks_validated),
    tasksFailed: num(row.tasks_failed),
    bannedUntil: optNum(row.banned_until),
    confirmedWei: BigInt(str(row.confirmed_wei)),
    createdAt: num(row.created_at),
    lastSeenAt: num(row.last_seen_at),
    strikeTimes: row.strike_times ? (JSON.parse(str(row.strike_times)) as number[]) : [],
  };
}

export function toTask(row: Row): TaskRecord {
  return {
    id: str(row.id),
    kind: str(row.kind) as TaskRecord["kind"],
    status: str(row.status) as TaskStatus,
    model: str(row.model),
    input: str(row.input),
    maxTokens: num(row.max_tokens),
    seed: num(row.seed),
    pinnedNode: optStr<Address>(row.pinned_node),
    createdAt: num(row.created_at),
    assignedAt: optNum(row.assigned_at),
    deadline: optNum(row.deadline),
    outputHash: optStr<Hex>(row.output_hash),
    tokensGenerated: optNum(row.tokens_generated),
    judgedAt: optNum(row.judged_at),
    epoch: optNum(row.epoch),
    temperature: row.temperature === undefined || row.temperature === null ? 0 : Number(row.temperature),
    prefix: typeof row.prefix_ids === "string" ? (JSON.parse(row.prefix_ids) as number[]) : null,
  };
}

export function toAssignment(row: Row): AssignmentRecord {
  return {
    taskId: str(row.task_id),
    node: str(row.node) as Address,
    status: str(row.status) as AssignmentRecord["status"],
    outputHash: optStr<Hex>(row.output_hash),
    tokensGenerated: optNum(row.tokens_generated),
    queueMs: optNum(row.queue_ms),
    inferenceMs: optNum(row.inference_ms),
    assignedAt: num(row.assigned_at),
    submittedAt: optNum(row.submitted_at),
    rewardWei: BigInt(str(row.reward_wei)),
    role: (optStr(row.role) ?? "generate") as AssignmentRecord["role"],
    commitment: optStr<Hex>(row.commitment),
    commitSignature: optStr<Hex>(row.commit_signature),
    tokenIds: row.token_ids ? (JSON.parse(str(row.token_ids)) as number[]) : null,
    report: row.report ? (JSON.parse(str(row.report)) as AssignmentRecord["report"]) : null,
    trap: Boolean(num(row.trap ?? 0)),
    deadline: num(row.deadline ?? 0),
  };
}

export function toEpoch(row: Row): EpochRecord {
  return {
    epoch: num(row.epoch),
    status: str(row.status) as EpochStatus,
    openedAt: num(row.opened_at),
    closedAt: optNum(row.closed_at),
    leafCount: optNum(row.leaf_count),
    cumulativeTotal: optBig(row.cumulative_total),
    networkShare: optBig(row.network_share),
    networkCredits: optBig(row.network_credits),
    carryWei: optBig(row.carry_wei),
    networkCarryWei: optBig(row.network_carry_wei),
    root: optStr<Hex>(row.root),
    contentHash: optStr<Hex>(row.content_hash),
    txHash: optStr<Hex>(row.tx_hash),
    rawTx: optStr<Hex>(row.raw_tx),
    proposalError: optStr<string>(row.proposal_error),
    proposedAt: optNum(row.proposed_at),
    finalAt: optNum(row.final_at),
  };
}

export function toLeaf(row: Row): LeafRecord {
  return {
    index: num(row.idx),
    account: str(row.account) as Address,
    cumulativeAmount: BigInt(str(row.cumulative_amount)),
    earnedWei: BigInt(str(row.earned_wei)),
    reputationBps: num(row.reputation_bps),
    tasksValidated: BigInt(num(row.tasks_validated)),
    tasksFailed: BigInt(num(row.tasks_failed)),
    strikes: num(row.strikes),
  };
}

export const EPOCH_COLUMNS: Record<string, string> = {
  status: "status",
  closedAt: "closed_at",
  leafCount: "leaf_count",
  cumulativeTotal: "cumulative_total",
  networkShare: "network_share",
  carryWei: "carry_wei",
  networkCarryWei: "network_carry_wei",
  proposalError: "proposal_error",
  root: "root",
  contentHash: "content_hash",
  txHash: "tx_hash",
  rawTx: "raw_tx",
  proposedAt: "proposed_at",
  finalAt: "final_at",
};

export function toLedger(row: Row): LedgerEntry {
  return {
    epoch: num(row.epoch),
    account: str(row.account),
    kind: str(row.kind) as LedgerEntry["kind"],
    ref: str(row.ref),
    amountWei: BigInt(str(row.amount_wei)),
    bonusWei: BigInt(str(row.bonus_wei)),
    createdAt: num(row.created_at),
  };
}
