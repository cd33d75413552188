import { PROTOCOL_VERSION, type TaskMessage, type VerifyMessage } from "@gitblock/sdk";
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

/** The frame a verifier (or the dispute tier, at 2δ) gets: the task as the generator got it, and the claim. */
export function verifyMessage(task: TaskRecord, claim: number[], delta: number, deadline: number): VerifyMessage {
  return {
    type: "verify",
    v: PROTOCOL_VERSION,
    taskId: task.id,
    model: task.model,
    input: task.input,
    maxTokens: task.maxTokens,
    seed: task.seed,
    tokenIds: claim,
    delta,
    deadline,
  };
}
