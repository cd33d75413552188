/**
 * The browser node's session as the page shows it: the worker's events (./protocol.ts) folded into one state.
 * Pure, so the counting rules are tested without a worker: "tasks this session" counts every task received (the
 * recent list keeps only the last RECENT_LIMIT), and a verdict settles its row wherever it is in the list.
 */
import type { EngineInfo, FromWorker, NodeStatus } from "./protocol.ts";

export const RECENT_LIMIT = 20;

export interface RecentTask {
  id: string;
  role: "generate" | "verify";
  state: "processing" | "accepted" | "rejected" | "timed out" | "inconclusive";
  receivedAt: number;
  settledAt?: number;
  rewardWei?: bigint;
}

export interface SessionState {
  status: NodeStatus;
  engine: EngineInfo | null;
  startedAt: number | null;
  /** Model download / compile progress while loading (0–1). */
  progress: { value: number; text: string } | null;
  tasksReceived: number;
  /** Outputs committed and reports sent. */
  tasksCompleted: number;
  accepted: number;
  rejected: number;
  timeouts: number;
  earnedWei: bigint;
  reputationBps: number | null;
  recent: RecentTask[];
  lastVerdictAt: number | null;
  error: string | null;
}

export const STOPPED: SessionState = {
  status: "stopped",
  engine: null,
  startedAt: null,
  progress: null,
  tasksReceived: 0,
  tasksCompleted: 0,
  accepted: 0,
  rejected: 0,
  timeouts: 0,
  earnedWei: 0n,
  reputationBps: null,
  recent: [],
  lastVerdictAt: null,
  error: null,
};

const VERDICT_STATE = {
  correct: "accepted",
  wrong: "rejected",
  timeout: "timed out",
  inconclusive: "inconclusive",
} as const;

/** A fresh session, starting now (the counters start from zero). */
export function startingSession(now: number): SessionState {
  return { ...STOPPED, status: "loading", startedAt: now };
}

export function applyWorkerEvent(state: SessionState, event: FromWorker): SessionState {
  switch (event.type) {
    case "status":
      return {
        ...state,
        status: event.status,
        error: event.status === "error" ? (event.error ?? "the browser node failed") : null,
        progress: event.status === "loading" ? state.progress : null,
      };
    case "engine":
      return { ...state, engine: event.engine };
    case "progress":
      return { ...state, progress: { value: event.value, text: event.text } };
    case "task": {
      if (state.recent.some((t) => t.id === event.id)) return state;
      const row: RecentTask = { id: event.id, role: event.role, state: "processing", receivedAt: event.at };
      return { ...state, recent: [row, ...state.recent].slice(0, RECENT_LIMIT) };
    }
    case "verdict":
      return {
        ...state,
        lastVerdictAt: event.at,
        recent: state.recent.map((t) =>
          t.id === event.id
            ? { ...t, state: VERDICT_STATE[event.outcome], settledAt: event.at, rewardWei: event.rewardWei }
            : t,
        ),
      };
    case "stats":
      return {
        ...state,
        tasksReceived: event.tasksReceived,
        tasksCompleted: event.tasksDone,
        accepted: event.accepted,
        rejected: event.rejected,
        timeouts: event.timeouts,
        earnedWei: event.earnedWei,
        reputationBps: event.reputationBps ?? state.reputationBps,
      };
    case "rpc":
      return state;
  }
}
