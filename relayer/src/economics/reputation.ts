import type { NodeRow } from "@gitblock/sdk";

/**
 * Reputation rules from DESIGN.md, in basis points (10 000 = 100%): start at 100%, correct +2 points, wrong hash −5
 * and a strike, timeout −5 and a strike, failed known-answer challenge −15 and a strike, bounded to [0, 100%].
 * Three active strikes → an automatic 24 h ban. Added by us: a strike stays active for a rolling window (default 7
 * days), so an honest node's rare timeouts do not add up to a ban over months.
 */
export const INITIAL_REPUTATION_BPS = 10_000;
export const MAX_REPUTATION_BPS = 10_000;
export const BAN_STRIKES = 3;
export const BAN_DURATION_MS = 24 * 3_600_000;
/** Above this, the node's share earns the +10% bonus. */
export const BONUS_THRESHOLD_BPS = 7_000;

export type Outcome = "correct" | "wrong" | "timeout" | "failed_challenge" | "inconclusive";

export interface StrikePolicy {
  /** How long a strike counts towards a ban. */
  windowMs: number;
}

export const DEFAULT_STRIKE_WINDOW_MS = 7 * 24 * 3_600_000;

export const REPUTATION_DELTA_BPS: Record<Outcome, number> = {
  correct: 200,
  wrong: -500,
  timeout: -500,
  failed_challenge: -1_500,
  inconclusive: 0,
};

export function givesStrike(outcome: Outcome): boolean {
  return outcome === "wrong" || outcome === "timeout" || outcome === "failed_challenge";
}

/** The reputation fields of a node, as the API shows them, and when its active strikes were given. */
export type ReputationState = Pick<
  NodeRow,
  "reputationBps" | "strikes" | "activeStrikes" | "tasksValidated" | "tasksFailed" | "bannedUntil"
> & { strikeTimes: number[] };

/** The strikes still active at `now` (given within the window). */
export function activeStrikeTimes(state: Pick<ReputationState, "strikeTimes">, now: number, policy: StrikePolicy) {
  return state.strikeTimes.filter((at) => at > now - policy.windowMs);
}

/**
 * Applies one outcome; returns the new state. A strike is active for the policy's window; a third active strike
 * bans for 24 h and starts a fresh count.
 */
export function applyOutcome<T extends ReputationState>(
  state: T,
  outcome: Outcome,
  now: number,
  policy: StrikePolicy = { windowMs: DEFAULT_STRIKE_WINDOW_MS },
): T {
  const reputationBps = Math.min(MAX_REPUTATION_BPS, Math.max(0, state.reputationBps + REPUTATION_DELTA_BPS[outcome]));
  const strike = givesStrike(outcome) ? 1 : 0;
  let strikeTimes = activeStrikeTimes(state, now, policy);
  if (strike) strikeTimes.push(now);
  let bannedUntil = state.bannedUntil;
  if (strikeTimes.length >= BAN_STRIKES) {
    bannedUntil = now + BAN_DURATION_MS;
    strikeTimes = [];
  }
  return {
    ...state,
    reputationBps,
    strikes: state.strikes + strike,
    activeStrikes: strikeTimes.length,
    strikeTimes,
    bannedUntil,
    tasksValidated: state.tasksValidated + (outcome === "correct" ? 1 : 0),
    tasksFailed: state.tasksFailed + (strike ? 1 : 0),
  };
}

/**
 * An operator's ban (`gitblock-relayer nodes ban`): the node is refused until `until`; reputation and strike history
 * stay as they are, so the ban is visible without rewriting what the node earned.
 */
export function banUntil<T extends ReputationState>(state: T, until: number): T {
  if (!Number.isFinite(until)) throw new RangeError("a ban needs a finite end time");
  return { ...state, bannedUntil: until };
}

/** Lifts a ban and clears the strikes counted towards the next one: the node starts a fresh count. */
export function liftBan<T extends ReputationState>(state: T): T {
  return { ...state, bannedUntil: null, activeStrikes: 0, strikeTimes: [] };
}

export function isBanned(state: Pick<ReputationState, "bannedUntil">, now: number): boolean {
  return state.bannedUntil !== null && state.bannedUntil > now;
}
