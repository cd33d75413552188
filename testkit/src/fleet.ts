import { type AgreementReport, FINAL_TASK_STATUSES, type TaskMessage, type VerifyMessage } from "@gitblock/sdk";
import type { Address } from "viem";
import { TestNode } from "./protocol-client.ts";
import { until, waitForReadyNodes } from "./readiness.ts";
import type { TestRelayer } from "./relayer.ts";

/** The deterministic "model" test nodes run: token ids derived from the input, so honest nodes agree. */
export const engine = (input: string): number[] => [...Buffer.from(input)].map((byte, i) => byte * 7 + i);

/** The model every fleet node serves. */
export const FLEET_MODEL = "tiny-llm";

export async function fleet(t: TestRelayer, count: number, options: { capacity?: number } = {}): Promise<TestNode[]> {
  const nodes: TestNode[] = [];
  for (let i = 0; i < count; i++) {
    const node = new TestNode();
    await node.connect(t.wsUrl);
    node.ready([FLEET_MODEL], options.capacity ?? 4);
    nodes.push(node);
  }
  // The relayer has processed every ready frame: tasks submitted next can reach these nodes.
  await waitForReadyNodes(
    t,
    nodes.map((n) => n.address),
    FLEET_MODEL,
  );
  return nodes;
}

/** What a generator answers (null: stays silent). */
export type Behaviour = (node: TestNode, task: TaskMessage) => number[] | null;
export const honest: Behaviour = (_node, task) => engine(task.input).slice(0, task.maxTokens);
export const liar: Behaviour = (_node, task) => [...engine(task.input), 1];

/** What a verifier reports on a claim (null: stays silent). */
export type VerifierBehaviour = (
  node: TestNode,
  claim: VerifyMessage,
) => (Pick<AgreementReport, "pass"> & Partial<AgreementReport>) | null;
/** An honest verifier of the test "model": passes the claim when it is exactly `engine(input)`. */
export const honestVerifier: VerifierBehaviour = (_node, claim) => {
  const expected = engine(claim.input).slice(0, claim.maxTokens);
  const same = expected.length === claim.tokenIds.length && expected.every((id, i) => id === claim.tokenIds[i]);
  return same ? { pass: true } : { pass: false, firstFailingPosition: 0, nonTop1: claim.tokenIds.length, maxGap: 5 };
};

export interface Roles {
  generate?: (node: TestNode) => Behaviour;
  verify?: (node: TestNode) => VerifierBehaviour;
}

export interface Played {
  generator: TestNode;
  /** Every node that got the claim (verifiers, traps, the dispute tier), in order of arrival. */
  verifiers: TestNode[];
}

/**
 * Plays one task through to its verdict: whichever node gets the task generates (commit, ack, reveal) per
 * `generate`, every node sent the claim reports per `verify`; returns once the relayer holds the task as final.
 */
export async function play(t: TestRelayer, nodes: TestNode[], taskId: string, roles: Roles = {}): Promise<Played> {
  const generate = roles.generate ?? (() => honest);
  const verify = roles.verify ?? (() => honestVerifier);
  let generator: TestNode | null = null;
  const verifiers: TestNode[] = [];
  const work: Promise<void>[] = [];
  const deadline = Date.now() + 15_000;
  for (;;) {
    for (const node of nodes) {
      const task = node.take("task", (m) => m.taskId === taskId);
      if (task) {
        generator = node;
        const tokens = generate(node)(node, task);
        if (tokens !== null) work.push(node.generate(taskId, tokens));
      }
      const claim = node.take("verify", (m) => m.taskId === taskId);
      if (claim) {
        verifiers.push(node);
        const report = verify(node)(node, claim);
        if (report !== null) work.push(node.report(taskId, claim.tokenIds, report));
      }
    }
    const stored = await t.relayer.store.getTask(taskId);
    if (stored && (FINAL_TASK_STATUSES as readonly string[]).includes(stored.status)) break;
    if (Date.now() > deadline) throw new Error(`task ${taskId} is still ${stored?.status} after 15 s`);
    await Promise.race(nodes.map((node) => node.arrival(50)));
  }
  await Promise.all(work);
  if (!generator) throw new Error(`no node got task ${taskId}`);
  return { generator, verifiers };
}

export async function verdicts(nodes: TestNode[], taskId: string, timeoutMs = 60_000) {
  const all = await Promise.all(
    nodes.map((node) => node.next("verdict", { where: (m) => m.taskId === taskId, timeoutMs })),
  );
  return new Map(nodes.map((node, i) => [node.address as Address, all[i]]));
}

/** Submits one job, has `nodes` play it honestly and waits until every node got its verdict: earnings to settle. */
export async function earnOneTask(t: TestRelayer, nodes: TestNode[], input: string): Promise<void> {
  const task = await t.relayer.scheduler.submit({ model: FLEET_MODEL, input, maxTokens: 8, seed: 0 });
  await play(t, nodes, task.id);
  await verdicts(nodes, task.id);
}

/** Resolves once the relayer holds the task as final (validated, rejected or inconclusive). */
export async function untilFinal(t: TestRelayer, taskId: string): Promise<void> {
  await until(`task ${taskId} to be final`, async () => {
    const stored = await t.relayer.store.getTask(taskId);
    return stored && (FINAL_TASK_STATUSES as readonly string[]).includes(stored.status) ? true : undefined;
  });
}

export function closeAll(nodes: TestNode[]): void {
  for (const node of nodes) node.close();
}
