/**
 * The API's JSON codec. Amounts (wei) exceed Number's precision, so `toJson` writes bigints as decimal strings and
 * the parsers turn them back into bigints, once, where the values enter the dApp.
 */
import type {
  AssignmentRow,
  ClaimProof,
  CreditBalance,
  DashboardMessage,
  DashboardVerdict,
  EpochRow,
  EpochStatus,
  NetworkStats,
  NodeProfile,
  NodeRow,
  ReadApi,
  TaskDetail,
  TaskRow,
} from "./types.ts";

/** A JSON object as `JSON.parse` returns it. */
export type JsonObject = Record<string, unknown>;

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
}

const big = (v: unknown): bigint => (typeof v === "string" || typeof v === "number" ? BigInt(v) : 0n);
const bigOrNull = (v: unknown): bigint | null => (v === null || v === undefined ? null : big(v));
const objects = (v: unknown): JsonObject[] => (Array.isArray(v) ? (v as JsonObject[]) : []);

export function parseNodeProfile(raw: JsonObject): NodeProfile {
  return {
    ...(raw as unknown as NodeProfile),
    confirmedWei: big(raw.confirmedWei),
    claimedWei: bigOrNull(raw.claimedWei),
  };
}

export function parseNodeRow(raw: JsonObject): NodeRow {
  return { ...(raw as unknown as NodeRow), confirmedWei: big(raw.confirmedWei) };
}

export function parseTaskDetail(raw: JsonObject): TaskDetail {
  return {
    ...(raw as unknown as TaskDetail),
    assignments: objects(raw.assignments).map((a) => ({
      ...(a as unknown as AssignmentRow),
      rewardWei: big(a.rewardWei),
    })),
  };
}

export function parseEpochRow(raw: JsonObject): EpochRow {
  return {
    ...(raw as unknown as EpochRow),
    cumulativeTotal: bigOrNull(raw.cumulativeTotal),
    networkShare: bigOrNull(raw.networkShare),
    carryWei: bigOrNull(raw.carryWei),
    networkCarryWei: bigOrNull(raw.networkCarryWei),
  };
}

export function parseClaimProof(raw: JsonObject): ClaimProof {
  const state = raw.state as JsonObject;
  return {
    epoch: Number(raw.epoch),
    root: raw.root as ClaimProof["root"],
    proof: raw.proof as ClaimProof["proof"],
    state: {
      account: state.account as ClaimProof["state"]["account"],
      cumulativeAmount: big(state.cumulativeAmount),
      reputationBps: Number(state.reputationBps),
      tasksValidated: big(state.tasksValidated),
      tasksFailed: big(state.tasksFailed),
      strikes: Number(state.strikes),
    },
  };
}

/** Each read endpoint's parser, by route: the parsed `JSON.parse` body of a successful response. */
export const readApiParsers: { [Route in keyof ReadApi]: (raw: JsonObject) => ReadApi[Route] } = {
  "/api/nodes": (raw) => ({ nodes: objects(raw.nodes).map(parseNodeRow) }),
  "/api/nodes/:address": parseNodeProfile,
  "/api/tasks": (raw) => ({ tasks: objects(raw.tasks) as unknown as TaskRow[] }),
  "/api/tasks/:id": parseTaskDetail,
  "/api/stats": (raw) => raw as unknown as NetworkStats,
  "/api/epochs": (raw) => ({ epochs: objects(raw.epochs).map(parseEpochRow) }),
  "/api/epochs/:epoch": parseEpochRow,
  "/api/claims/:address": parseClaimProof,
  // Wei stays a decimal string here: the balance is shown, not computed with.
  "/api/credits/:address": (raw) => raw as unknown as CreditBalance,
};

/** Decodes one dashboard channel message (`JSON.parse`d); unknown or malformed ones are null. */
export function parseDashboardMessage(json: unknown): DashboardMessage | null {
  if (typeof json !== "object" || json === null) return null;
  const frame = json as JsonObject;
  if (frame.type === "verdict" && typeof frame.taskId === "string") {
    return {
      ...(frame as unknown as DashboardVerdict),
      rewardWei: big(frame.rewardWei),
      bannedUntil: (frame.bannedUntil as number | null) ?? null,
    };
  }
  if (frame.type === "profile" && typeof frame.profile === "object" && frame.profile !== null) {
    return { type: "profile", profile: parseNodeProfile(frame.profile as JsonObject) };
  }
  if (frame.type === "epoch" && typeof frame.epoch === "number") {
    return { type: "epoch", epoch: frame.epoch, status: String(frame.status) as EpochStatus };
  }
  return null;
}
