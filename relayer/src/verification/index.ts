// The relayer's verification rules as pure functions, for whoever must run exactly the relayer's decisions without
// the service (the integrity benchmark's protocol model): the staged judge, weights, draws, traps, reputation, pay.
export {
  activeStrikeTimes,
  applyOutcome,
  isBanned,
  type Outcome,
  type StrikePolicy,
} from "../economics/reputation.ts";
export { taskReward } from "../economics/rewards.ts";
export type {
  AssignmentRecord,
  NewAssignment,
  NodeRecord,
  StoredReport,
  TaskRecord,
  TaskSnapshot,
} from "../store/types.ts";
export { drawWeighted } from "./draw.ts";
export { currentGenerator, type Judgement, type JudgementParams, judgeTask } from "./judge-task.ts";
export { alterClaim } from "./trap.ts";
export { generatorWeight, type TrustPolicy, verifierCount, verifierWeight } from "./weight.ts";
