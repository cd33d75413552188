import { type AgreementRule, PROTOCOL_VERSION, type TaskMessage, type VerifyMessage } from "@gitblock/sdk";
import type { TaskRecord } from "../store/types.ts";

/** The frame a generator gets. Jobs, challenges and probes are sent alike: nothing in it tells them apart. */
export function taskMessage(task: TaskRecord, deadline: number): TaskMessage {
  return {
    type: "task",
    v: PROTOCOL_VERSION,
    taskId: task.id,
    model: task.model,
    input: task.input,
    maxTokens: task.maxTokens,
    seed: task.seed,
    greedy: true,
    deadline,
  };
}

/**
 * The frame a verifier (or the dispute tier, at 2δ) gets: the task as the generator got it, and the claim judged by
 * `rule` (verification/task-judge.ts `claimRule`). A served answer that continued another node's tokens carries them
 * as `prefix`; a sampled one carries the rule's non-top-1 share.
 */
export function verifyMessage(
  task: TaskRecord,
  claim: number[],
  rule: AgreementRule,
  dispute: boolean,
  deadline: number,
): VerifyMessage {
  const sampled = (task.temperature ?? 0) > 0;
  return {
    type: "verify",
    v: PROTOCOL_VERSION,
    taskId: task.id,
    model: task.model,
    input: task.input,
    maxTokens: task.maxTokens,
    seed: task.seed,
    tokenIds: claim,
    delta: dispute ? rule.delta * 2 : rule.delta,
    ...(task.prefix && task.prefix.length > 0 ? { prefix: task.prefix } : {}),
    ...(sampled ? { nonTop1Share: 1 } : {}),
    deadline,
  };
}
