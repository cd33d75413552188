import { type AgreementRule, allowedNonTop1, passesAt } from "@gitblock/sdk";
import type { Address } from "viem";
import { applyOutcome, isBanned, type Outcome, type StrikePolicy } from "../economics/reputation.ts";
import { taskReward } from "../economics/rewards.ts";
import {
  type AssignmentRecord,
  type AssignmentStatus,
  type LedgerEntry,
  NETWORK_ACCOUNT,
  type NewAssignment,
  type NodeRecord,
  type StoredReport,
  type TaskJudgement,
  type TaskSnapshot,
} from "../store/types.ts";

/**
 * What judging needs besides the snapshot. The draws come from the caller (who is connected, with free capacity,
 * eligible to verify) and reserve the nodes they return; everything else here is pure.
 */
export interface JudgementParams {
  now: number;
  /** Share of the verifying weight (bps) whose reports must pass for a task to be validated without dispute. */
  quorumBps: number;
  ratePerTokenWei: bigint;
  /** A verifier's pay per confirmed token, in bps of the generator's rate (it scores, it does not generate). */
  verifyRateBps: number;
  /** The task model's agreement rule (δ calibrated per artifact); the dispute tier judges at 2δ. */
  rule: AgreementRule;
  /**
   * A passing report whose largest gap exceeds this share of δ, or that spends the whole non-top-1 allowance M, still
   * sends the claim to the dispute tier: a close call. Honest claims stay well under it (δ is twice the largest
   * honest gap or drift measured), steered ones do not.
   */
  closeCallShare: number;
  strikes: StrikePolicy;
  /** Deadline given to verifiers drawn now. */
  verifyDeadline: number;
  /** When a stage that could draw nobody is tried again. */
  retryDrawAt: number;
  /** How long a task may wait for verifiers or the dispute tier before it is given up as inconclusive. */
  verifyGiveUpAt: (task: TaskSnapshot["task"]) => number;
  /** A node's weight as a verifier (reputation × tenure × bond); 0 for one that may not verify. */
  weightOf: (node: NodeRecord) => number;
  /** How many verifiers a claim by this generator gets (adaptive replication: more for new or unbonded nodes). */
  verifierCount: (generator: NodeRecord) => number;
  /** Draws up to `count` eligible verifiers (`dispute`: the operator's reference verifiers), none in `exclude`. */
  draw: (role: "verify" | "dispute", count: number, exclude: ReadonlySet<string>) => Address[];
  /** Whether this claim also gets a trap: a verifier sent an altered copy, whose report must fail. */
  trap: boolean;
  /**
   * Whether the dispute tier also checks this job (a random audit, at the challenge rate): a challenge always gets a
   * reference verifier, so some jobs must too, or its presence would mark the challenges afterwards.
   */
  audit: boolean;
  /** Alters a claim for a trap (replaces M+1 positions), or null when the claim is too short to alter. */
  alterClaim: (tokenIds: readonly number[]) => number[] | null;
}

/** What one node is told about a final task. */
export interface NodeVerdict {
  node: Address;
  /** On the wire a failed challenge reads "wrong", so challenges stay indistinguishable. */
  outcome: "correct" | "wrong" | "timeout" | "inconclusive";
  internalOutcome: Outcome | "withdrawn";
  rewardWei: bigint;
  reputationBps: number;
  strikes: number;
  bannedUntil: number | null;
  newlyBanned: boolean;
}

export interface Judgement extends TaskJudgement {
  /** Empty until the task is final. */
  verdicts: NodeVerdict[];
  final: boolean;
  /** The claim the new verifiers are sent (the generator's revealed token ids). */
  claim: number[] | null;
}

const OUTCOME_STATUS: Record<Outcome | "withdrawn", AssignmentStatus> = {
  correct: "correct",
  wrong: "wrong",
  failed_challenge: "wrong",
  timeout: "timeout",
  inconclusive: "inconclusive",
  withdrawn: "withdrawn",
};

type Decision = { assignment: AssignmentRecord; outcome: Outcome | "withdrawn" };

/** The generator's current assignment: the latest one not withdrawn (a withdrawn generator's task is requeued). */
export function currentGenerator(assignments: readonly AssignmentRecord[]): AssignmentRecord | undefined {
  let found: AssignmentRecord | undefined;
  for (const a of assignments) if (a.role === "generate" && a.status !== "withdrawn") found = a;
  return found;
}

const reported = (a: AssignmentRecord): boolean => a.status === "submitted" && a.report !== null;

/**
 * Judges a task's current stage from its snapshot.
 *
 * - assigned (generation): no reveal by the deadline → inconclusive, the generator timed out; a reveal that does not
 *   open the commitment → rejected, the generator was wrong; a withdrawn generator → back to the queue; a good reveal
 *   → verifying, with k verifiers drawn now (never before the commitment), a reference verifier for a challenge, and
 *   sometimes a trap.
 * - verifying: every report passes, none is a close call, and the passing reports hold ≥ quorum of the verifying
 *   weight (silent verifiers count in the total) → validated. Otherwise (a failing report, a close call, a short
 *   quorum, a challenge) → the dispute tier.
 * - disputed: the reference verifier's report decides, at δ and at 2δ: it passes at δ → validated; it fails even at
 *   2δ → rejected, the generator was wrong (−15 on a challenge) and verifiers that passed it were wrong; in between
 *   (honest rounding or steering: the two look alike) → inconclusive: nobody is struck, the verifiers are paid, the
 *   generator is not. No reference report in time → inconclusive, nobody struck for the claim.
 * Timeouts are struck at the end; a node banned meanwhile is neither counted nor paid; pay is the confirmed token
 * count (the revealed ids, never above max tokens).
 */
export function judgeTask(snapshot: TaskSnapshot, params: JudgementParams): Judgement {
  const { task, assignments } = snapshot;
  const node = (address: string): NodeRecord => {
    const record = snapshot.nodes.get(address);
    if (!record) throw new Error(`judgement snapshot lacks node ${address}`);
    return record;
  };
  const generator = currentGenerator(assignments);
  // The generator was banned while it held the task (its assignment withdrawn): the task is drawn again, except a
  // served answer, which was the user's and is over: nobody is paid for it or struck.
  if (!generator) {
    return snapshot.task.kind === "served"
      ? finish(snapshot, params, "inconclusive", { generator: "inconclusive" })
      : stage("queued", null, [], []);
  }
  const generatorRecord = node(generator.node);
  const verifiers = assignments.filter((a) => a.role === "verify" && !a.trap);
  const traps = assignments.filter((a) => a.role === "verify" && a.trap);
  const disputes = assignments.filter((a) => a.role === "dispute");
  const banned = (a: AssignmentRecord) => a.status === "withdrawn" || isBanned(node(a.node), params.now);

  if (task.status === "assigned") {
    if (generator.status === "mismatch") return finish(snapshot, params, "rejected", { generator: "wrong" });
    if (generator.status !== "revealed") {
      return finish(snapshot, params, "inconclusive", { generator: "timeout" });
    }
    return drawCheckers();
  }

  if (task.status === "verifying") {
    const reference = disputes.find(reported);
    if (reference) return decideByReference(snapshot, params, reference);
    // Nobody could be drawn when the claim was revealed (every slot busy): draw again now.
    if (verifiers.length === 0 && disputes.length === 0 && traps.length === 0) return drawCheckers();
    const counted = verifiers.filter((a) => !banned(a));
    let totalWeight = 0;
    let passingWeight = 0;
    let failing = false;
    let closeCall = false;
    for (const a of counted) {
      const weight = params.weightOf(node(a.node));
      totalWeight += weight;
      if (!reported(a) || !a.report) continue;
      if (!a.report.pass) failing = true;
      else {
        passingWeight += weight;
        if (isCloseCall(a.report, params)) closeCall = true;
      }
    }
    // A challenge, or an audited job, waits for its reference verifier's word.
    const needsReference = task.kind === "challenge" || disputes.length > 0;
    if (
      !failing &&
      !closeCall &&
      !needsReference &&
      totalWeight > 0 &&
      passingWeight * 10_000 >= params.quorumBps * totalWeight
    ) {
      return finishValidated(snapshot, params, (a) => (reported(a) ? "correct" : "timeout"));
    }
    return toDispute(snapshot, params, generator);
  }

  if (task.status === "disputed") {
    const reference = disputes.find(reported);
    if (reference) return decideByReference(snapshot, params, reference);
    if (params.now < params.verifyGiveUpAt(task)) return toDispute(snapshot, params, generator);
    // Nobody could decide: the claim is neither paid nor struck.
    return finish(snapshot, params, "inconclusive", { generator: "inconclusive" });
  }

  throw new Error(`task ${task.id} is ${task.status}: nothing to judge`);

  /**
   * Verifiers for a revealed claim, drawn now (never before the commitment): k by the generator's trust, the dispute
   * tier for a challenge, an audited job or a claim no ordinary verifier can take (a young network: nobody tenured
   * yet), and sometimes a trap. Nobody free at all: the stage is tried again after `retryDrawAt`.
   */
  function drawCheckers(): Judgement {
    const claim = generator?.tokenIds ?? [];
    const exclude = new Set<string>(assignments.map((a) => a.node));
    const drawn: NewAssignment[] = [];
    const add = (role: NewAssignment["role"], count: number, trapTokenIds: number[] | null = null) => {
      for (const address of params.draw(role, count, exclude)) {
        exclude.add(address);
        drawn.push({ node: address, role, deadline: params.verifyDeadline, trapTokenIds });
      }
    };
    add("verify", params.verifierCount(generatorRecord));
    const nobodyElse = drawn.length === 0;
    if (task.kind === "challenge" || (task.kind === "job" && params.audit) || nobodyElse) add("dispute", 1);
    if (drawn.length === 0) {
      if (params.now >= params.verifyGiveUpAt(task)) {
        return finish(snapshot, params, "inconclusive", { generator: "inconclusive" });
      }
      return stage("verifying", Math.min(params.retryDrawAt, params.verifyGiveUpAt(task)), [], claim);
    }
    const altered = params.trap ? params.alterClaim(claim) : null;
    if (altered) add("verify", 1, altered);
    return stage("verifying", params.verifyDeadline, drawn, claim);
  }

  // Trap reports are judged on their own: the altered claim must fail. They never count towards the task.
  function trapOutcome(a: AssignmentRecord): Outcome {
    if (!reported(a)) return "timeout";
    return a.report?.pass ? "wrong" : "correct";
  }

  /**
   * The dispute tier's word, at δ and within the band of honest rounding (2δ with 2M non-top-1 tokens allowed: the
   * integrity benchmark measured why both must widen, short honest claims on other hardware flip three near-ties as
   * often as they exceed δ).
   * - Passes at δ and is no close call: validated. A verifier that failed it is struck only when its own report lies
   *   outside the band too (a griefer's large gaps), never for figures the band allows.
   * - Fails even within the band: rejected, the generator wrong, verifiers that passed it wrong.
   * - In between: honest rounding on unusual hardware and a steerer choosing runners-up just under δ look alike, so
   *   nobody is struck, but the claim is not accepted either (accepting it let steered claims through: 212 of 6,000
   *   at 33% steerers and p = 20% in the integrity benchmark). The generator is not paid, the verifiers are.
   */
  function decideByReference(s: TaskSnapshot, p: JudgementParams, reference: AssignmentRecord): Judgement {
    const report = reference.report;
    if (!report) throw new Error("reference without report");
    const band = honestBand(p.rule);
    const silent = (a: AssignmentRecord): Outcome => (a.role === "dispute" ? "inconclusive" : "timeout");
    const figures = figuresOf(report);
    if (passesAt(figures, p.rule) && !isCloseCall(report, p)) {
      return finishValidated(s, p, (a) => {
        if (a === reference) return "correct";
        if (!reported(a) || !a.report) return silent(a);
        if (a.report.pass) return "correct";
        return passesAt(figuresOf(a.report), band) ? "inconclusive" : "wrong";
      });
    }
    if (passesAt(figures, band)) {
      return finish(s, p, "inconclusive", {
        generator: "inconclusive",
        payVerifiers: true,
        other: (a) => {
          if (a === reference) return "correct";
          if (!reported(a) || !a.report) return silent(a);
          if (a.report.pass) return "inconclusive";
          return passesAt(figuresOf(a.report), band) ? "correct" : "wrong";
        },
      });
    }
    return finish(s, p, "rejected", {
      generator: s.task.kind === "challenge" ? "failed_challenge" : "wrong",
      other: (a) => {
        if (a === reference) return "correct";
        if (!reported(a)) return silent(a);
        return a.report?.pass ? "wrong" : "correct";
      },
    });
  }

  function toDispute(s: TaskSnapshot, p: JudgementParams, gen: AssignmentRecord): Judgement {
    const exclude = new Set<string>(s.assignments.map((a) => a.node));
    const drawn = p.draw("dispute", 1, exclude).map(
      (address): NewAssignment => ({
        node: address,
        role: "dispute",
        deadline: p.verifyDeadline,
        trapTokenIds: null,
      }),
    );
    // Nobody in the dispute tier free now: tried again soon, until the give-up time.
    const deadline = Math.min(drawn.length > 0 ? p.verifyDeadline : p.retryDrawAt, p.verifyGiveUpAt(s.task));
    return stage("disputed", deadline, drawn, gen.tokenIds ?? []);
  }

  function finishValidated(s: TaskSnapshot, p: JudgementParams, other: (a: AssignmentRecord) => Outcome): Judgement {
    return finish(s, p, "validated", { generator: "correct", other });
  }

  function finish(
    s: TaskSnapshot,
    p: JudgementParams,
    status: "validated" | "rejected" | "inconclusive",
    rule: { generator: Outcome; other?: (a: AssignmentRecord) => Outcome; payVerifiers?: boolean },
  ): Judgement {
    const decisions: Decision[] = s.assignments.map((a) => {
      if (a.status === "withdrawn" || isBanned(node(a.node), p.now)) return { assignment: a, outcome: "withdrawn" };
      if (a.role === "generate") return { assignment: a, outcome: a === generator ? rule.generator : "inconclusive" };
      if (a.trap) return { assignment: a, outcome: trapOutcome(a) };
      if (rule.other) return { assignment: a, outcome: rule.other(a) };
      // Verification never started (the generator failed first) or never decided: only silence is struck.
      return { assignment: a, outcome: reported(a) || a.status === "assigned" ? "inconclusive" : "timeout" };
    });
    return settle(s, p, status, decisions, rule.payVerifiers ?? status !== "inconclusive");
  }

  /**
   * `payVerifiers`: whether verifiers that judged the claim correctly are paid for scoring it (the claim's length,
   * never above max tokens): validated or rejected alike, since paying verifiers only for passing would pay them to
   * pass, and when the dispute tier found the claim between δ and 2δ. The generator is paid only for a validated claim.
   */
  function settle(
    s: TaskSnapshot,
    p: JudgementParams,
    status: TaskJudgement["task"]["status"],
    decisions: Decision[],
    payVerifiers: boolean,
  ) {
    const claimed = generator?.tokenIds ? Math.min(generator.tokenIds.length, s.task.maxTokens) : 0;
    const tokens = status === "validated" ? claimed : null;
    const paid = payVerifiers;
    const ledger: LedgerEntry[] = [];
    const nodes = new Map<string, NodeRecord>();
    const verdicts: NodeVerdict[] = [];
    const updates: TaskJudgement["assignments"] = [];
    let networkWei = 0n;
    for (const { assignment: a, outcome } of decisions) {
      const before = nodes.get(a.node) ?? node(a.node);
      let after = outcome === "withdrawn" ? before : applyOutcome(before, outcome, p.now, p.strikes);
      let rewardWei = 0n;
      const payable = a.role === "generate" ? (tokens ?? 0) : paid ? claimed : 0;
      // A verifier whose failing report lay inside the band of honest rounding did the work honestly: it is paid
      // for it like one that passed (not paying it would make passing without scoring the better deal).
      const earns = outcome === "correct" || (outcome === "inconclusive" && a.role !== "generate" && reported(a));
      if (earns && payable > 0) {
        const rate =
          a.role === "generate" ? p.ratePerTokenWei : (p.ratePerTokenWei * BigInt(p.verifyRateBps)) / 10_000n;
        const reward = taskReward(payable, rate, before.reputationBps);
        rewardWei = reward.node + reward.bonus;
        if (rewardWei > 0n) {
          ledger.push({
            epoch: s.openEpoch,
            createdAt: p.now,
            account: a.node,
            kind: a.role === "generate" ? "task" : "verify",
            ref: s.task.id,
            amountWei: rewardWei,
            bonusWei: reward.bonus,
          });
        }
        networkWei += reward.network;
        after = { ...after, confirmedWei: after.confirmedWei + rewardWei };
      }
      nodes.set(a.node, after);
      updates.push({ node: a.node, role: a.role, status: OUTCOME_STATUS[outcome], rewardWei });
      verdicts.push({
        node: a.node,
        outcome: outcome === "failed_challenge" ? "wrong" : outcome === "withdrawn" ? "inconclusive" : outcome,
        internalOutcome: outcome,
        rewardWei,
        reputationBps: after.reputationBps,
        strikes: after.strikes,
        bannedUntil: after.bannedUntil,
        newlyBanned: after.bannedUntil !== before.bannedUntil && isBanned(after, p.now),
      });
    }
    if (networkWei > 0n) {
      ledger.push({
        epoch: s.openEpoch,
        createdAt: p.now,
        account: NETWORK_ACCOUNT,
        kind: "network",
        ref: s.task.id,
        amountWei: networkWei,
        bonusWei: 0n,
      });
    }
    const provenWrong = decisions
      .filter((d) => d.outcome === "wrong" || d.outcome === "failed_challenge")
      .map((d) => d.assignment.node);
    return {
      task: {
        status,
        outputHash: status === "validated" ? (generator?.outputHash ?? null) : null,
        tokensGenerated: tokens,
        judgedAt: p.now,
        epoch: paid ? s.openEpoch : null,
        deadline: s.task.deadline,
      },
      assignments: updates,
      newAssignments: [],
      nodes: [...nodes.values()],
      ledger,
      verdicts,
      final: true,
      claim: null,
      provenWrong,
    } satisfies Judgement;
  }
}

function stage(
  status: "queued" | "verifying" | "disputed",
  deadline: number | null,
  drawn: NewAssignment[],
  claim: number[],
): Judgement {
  return {
    task: {
      status,
      outputHash: null,
      tokensGenerated: null,
      judgedAt: null,
      epoch: null,
      deadline,
    },
    assignments: [],
    newAssignments: drawn,
    nodes: [],
    ledger: [],
    verdicts: [],
    final: false,
    claim,
    provenWrong: [],
  };
}

/**
 * A report near the rule's limits: its largest gap above `closeCallShare` of δ, or as many non-top-1 tokens as M
 * allows (a steerer spends the whole allowance; honest hardware seldom needs it).
 */
function isCloseCall(report: StoredReport, p: Pick<JudgementParams, "rule" | "closeCallShare">): boolean {
  return (
    report.maxGapMicros / 1e6 > p.rule.delta * p.closeCallShare ||
    (report.nonTop1 > 0 && report.nonTop1 >= allowedNonTop1(report.scored, p.rule))
  );
}

/** What the dispute tier tolerates: twice δ and twice the non-top-1 allowance. */
export function honestBand(rule: AgreementRule): AgreementRule {
  return {
    delta: rule.delta * 2,
    nonTop1Share: (rule.nonTop1Share ?? 0.02) * 2,
    minNonTop1: (rule.minNonTop1 ?? 2) * 2,
  };
}

const figuresOf = (report: StoredReport) => ({
  nonTop1: report.nonTop1,
  maxGap: report.maxGapMicros / 1e6,
  scored: report.scored,
});
