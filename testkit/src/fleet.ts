import type { TaskMessage } from "@gitblock/sdk";
import type { Address } from "viem";
import { TestNode } from "./protocol-client.ts";
import { waitForReadyNodes } from "./readiness.ts";
import type { TestRelayer } from "./relayer.ts";

/** The deterministic "model" test nodes run: token ids derived from the input, so honest nodes agree. */
export const engine = (input: string): number[] => [...Buffer.from(input)].map((byte, i) => byte * 7 + i);

export async function fleet(t: TestRelayer, count: number, options: { capacity?: number } = {}): Promise<TestNode[]> {
  const nodes: TestNode[] = [];
  for (let i = 0; i < count; i++) {
    const node = new TestNode();
    await node.connect(t.wsUrl);
    node.ready(["tiny-llm"], options.capacity ?? 4);
    nodes.push(node);
  }
  // The relayer has processed every ready frame: tasks submitted next can reach these nodes.
  await waitForReadyNodes(
    t,
    nodes.map((n) => n.address),
    "tiny-llm",
  );
  return nodes;
}

export type Behaviour = (node: TestNode, task: TaskMessage) => number[] | null;
export const honest: Behaviour = (_node, task) => engine(task.input);
export const liar: Behaviour = (_node, task) => [...engine(task.input), 1];

/** Every node in `nodes` answers its copy of `taskId` per `behaviour` (null: stays silent) and waits for its ack. */
export async function answer(nodes: TestNode[], taskId: string, behaviour: (node: TestNode) => Behaviour) {
  await Promise.all(
    nodes.map(async (node) => {
      const task = await node.next("task", { where: (m) => m.taskId === taskId });
      const tokens = behaviour(node)(node, task);
      if (tokens === null) return;
      node.result(task.taskId, tokens);
      await node.next("ack", { where: (m) => m.taskId === taskId });
    }),
  );
}

export async function verdicts(nodes: TestNode[], taskId: string, timeoutMs = 5_000) {
  const all = await Promise.all(
    nodes.map((node) => node.next("verdict", { where: (m) => m.taskId === taskId, timeoutMs })),
  );
  return new Map(nodes.map((node, i) => [node.address as Address, all[i]]));
}

export function closeAll(nodes: TestNode[]): void {
  for (const node of nodes) node.close();
}
