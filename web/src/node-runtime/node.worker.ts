/**
 * The browser node's Web Worker: the SDK's NodeClient and its engine live here, apart from the page, so inference
 * never blocks the UI and the node does not depend on which page is shown. The page starts and stops it
 * (./protocol.ts); the wallet stays on the page, and signing the relayer's sign-in goes there as an EIP-1193
 * `request` over postMessage (the SDK's `eip1193Signer` works on any object with `request`).
 */
import type { Engine } from "@gitblock/sdk";
import type { NodeClient } from "@gitblock/sdk/client";
import { createEngine } from "./engines.ts";
import type { FromWorker, StartCommand, ToWorker } from "./protocol.ts";

/** The worker's global scope (the web's DOM typings describe the page's, not a worker's). */
const scope = self as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
const post = (message: FromWorker) => scope.postMessage(message);

let client: NodeClient | null = null;
let engine: Engine | null = null;
let stopping: Promise<void> | null = null;
let nextRpc = 1;
const pendingRpc = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

/** The wallet's `request`, run by the page. */
function walletRequest(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown> {
  const id = nextRpc++;
  return new Promise((resolve, reject) => {
    pendingRpc.set(id, { resolve, reject });
    post({ type: "rpc", id, method: args.method, ...(args.params !== undefined ? { params: args.params } : {}) });
  });
}

function postStats(node: NodeClient): void {
  const s = node.stats;
  post({
    type: "stats",
    tasksReceived: s.tasksReceived,
    tasksDone: s.tasksDone,
    accepted: s.accepted,
    rejected: s.rejected,
    timeouts: s.timeouts,
    earnedWei: s.earnedWei,
    reputationBps: s.reputationBps,
  });
}

async function start(command: StartCommand): Promise<void> {
  if (client || engine) throw new Error("the browser node is already running");
  post({ type: "status", status: "loading" });
  const created = await createEngine(command.engine, (p) =>
    post({ type: "progress", value: p.progress, text: p.text }),
  );
  if (stopping) {
    await created.engine.dispose().catch(() => {});
    return;
  }
  engine = created.engine;
  post({ type: "engine", engine: created.info });
  post({ type: "status", status: "signing-in" });
  const { NodeClient, eip1193Signer } = await import("@gitblock/sdk/client");
  const signer = await eip1193Signer({ request: walletRequest }, command.address);
  const node = new NodeClient({
    relayer: command.relayer,
    signer,
    engine,
    capacity: 1,
    ...(command.country ? { country: command.country } : {}),
    ...(command.placement ? { placement: command.placement } : {}),
  });
  client = node;
  node.on("task", (task) => {
    post({ type: "task", id: task.taskId, role: task.type === "verify" ? "verify" : "generate", at: Date.now() });
    postStats(node);
  });
  node.on("verdict", (v) => {
    post({ type: "verdict", id: v.taskId, outcome: v.outcome, rewardWei: BigInt(v.rewardWei), at: Date.now() });
    postStats(node);
  });
  for (const event of ["result", "report", "balance", "ack"] as const) node.on(event, () => postStats(node));
  node.on("state", (state) => {
    // Reconnecting is still a running session: the client resumes by itself with its session token.
    if (state === "online") post({ type: "status", status: "running" });
  });
  await node.start();
  post({ type: "status", status: "running" });
}

/** Stops the client and frees the engine (the page terminates the worker once told the outcome). */
async function teardown(): Promise<void> {
  const node = client;
  const running = engine;
  client = null;
  engine = null;
  await node?.stop().catch(() => {});
  await running?.dispose().catch(() => {});
  for (const rpc of pendingRpc.values()) rpc.reject(new Error("the browser node stopped"));
  pendingRpc.clear();
}

async function stop(): Promise<void> {
  await teardown();
  post({ type: "status", status: "stopped" });
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case "start":
      start(message).catch(async (error: unknown) => {
        const text = error instanceof Error ? error.message : String(error);
        if (stopping) return;
        await teardown();
        post({ type: "status", status: "error", error: text });
      });
      return;
    case "stop":
      stopping ??= stop();
      return;
    case "rpc-result": {
      const rpc = pendingRpc.get(message.id);
      pendingRpc.delete(message.id);
      if (!rpc) return;
      if (message.error !== undefined) rpc.reject(new Error(message.error));
      else rpc.resolve(message.result);
      return;
    }
  }
};
