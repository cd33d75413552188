// Simulated nodes for the benchmark, in a process of their own so the relayer keeps its core.
// Modes: "work" signs in N wallets (each naming a session key), generates the tasks it gets (signed commit, then
// reveal once the commit is acked) and verifies the claims it is drawn for (a signed passing report), timing each
// frame → ack; "hold" opens N sockets with session tokens and heartbeats on each.

import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { commitmentHash, gapMicros, outputHash, PROTOCOL_VERSION, reportHash, signInTypedData } from "@gitblock/sdk";
import { type Hex, hashMessage, hexToBytes, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import WebSocket from "ws";

// The simulated nodes sign their commits and reports with libsecp256k1 (the relayer's own dependency) instead of
// viem's JS signer: 2 cores are shared with the relayer, and the nodes' signing is not the relayer's cost.
const secp256k1 = createRequire(import.meta.url)("secp256k1") as {
  ecdsaSign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
};
/** EIP-191 over the raw 32 bytes, as `account.signMessage({ message: { raw } })` signs. */
function signRaw(privateKey: Hex, hash: Hex): Hex {
  const { signature, recid } = secp256k1.ecdsaSign(hexToBytes(hashMessage({ raw: hash })), hexToBytes(privateKey));
  return `${toHex(signature)}${(27 + recid).toString(16)}` as Hex;
}

interface Job {
  mode: "work" | "hold";
  /** Socket k of this process opens to `wsUrls[(first + k) % wsUrls.length]`: round robin over relayer instances. */
  wsUrls: string[];
  first?: number;
  count: number;
  sessions?: string[];
  heartbeatMs?: number;
  capacity?: number;
}

const send = (message: unknown) => process.send?.(message);

const wsUrlOf = (job: Job, k: number) => job.wsUrls[((job.first ?? 0) + k) % job.wsUrls.length] as string;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

async function work(job: Job): Promise<void> {
  const latencies: number[] = [];
  const sentAt = new Map<string, number>();
  let acks = 0;
  const sockets: WebSocket[] = [];
  /** The bench "model": token ids are the input's bytes, so every node agrees. */
  const tokensOf = new Map<string, { tokenIds: number[]; hash: Hex }>();
  const tokens = (input: string) => {
    let entry = tokensOf.get(input);
    if (!entry) {
      const tokenIds = [...Buffer.from(input)];
      entry = { tokenIds, hash: outputHash(tokenIds) };
      tokensOf.set(input, entry);
    }
    return entry;
  };
  await Promise.all(
    Array.from({ length: job.count }, async (_, k) => {
      const account = privateKeyToAccount(generatePrivateKey());
      const sessionPrivateKey = generatePrivateKey();
      const sessionKey = privateKeyToAccount(sessionPrivateKey);
      const reveals = new Map<string, { tokenIds: number[]; salt: Hex }>();
      /** Tasks this node has committed to: a task frame sent again gets nothing new (as the SDK's TaskPump). */
      const committed = new Set<string>();
      const ws = new WebSocket(wsUrlOf(job, k), { perMessageDeflate: false });
      sockets.push(ws);
      const timed = (key: string, frame: unknown) => {
        sentAt.set(key, performance.now());
        ws.send(JSON.stringify(frame));
      };
      await new Promise<void>((resolve, reject) => {
        ws.on("message", async (data) => {
          const m = JSON.parse(data.toString());
          if (m.type === "hello") {
            const challenge = {
              relayer: m.relayer,
              chainId: m.chainId,
              account: account.address,
              nonce: m.nonce,
              issuedAt: m.issuedAt,
              expiresAt: m.expiresAt,
              sessionKey: sessionKey.address,
            };
            const signature = await account.signTypedData(signInTypedData(challenge));
            ws.send(JSON.stringify({ type: "auth", v: PROTOCOL_VERSION, signIn: { ...challenge, signature } }));
          } else if (m.type === "auth_ok") {
            ws.send(
              JSON.stringify({
                type: "ready",
                v: PROTOCOL_VERSION,
                models: ["bench"],
                capacity: job.capacity ?? 32,
                verify: true,
              }),
            );
            resolve();
          } else if (m.type === "task") {
            // The relayer sends a node's open tasks again on its first `ready`, which can cross a task it was just
            // sent: a second commitment with a new salt would make the reveal of the first one fail to open (a
            // wrong claim, the task rejected, the run waiting for its reports until it gives up).
            if (committed.has(m.taskId)) return;
            committed.add(m.taskId);
            const { tokenIds, hash } = tokens(m.input);
            const salt = `0x${randomBytes(32).toString("hex")}` as Hex;
            reveals.set(m.taskId, { tokenIds, salt });
            const commitment = commitmentHash({
              taskId: m.taskId,
              node: account.address,
              outputHash: hash,
              tokenCount: tokenIds.length,
              salt,
            });
            const signature = signRaw(sessionPrivateKey, commitment);
            timed(`commit:${m.taskId}`, {
              type: "commit",
              v: PROTOCOL_VERSION,
              taskId: m.taskId,
              commitment,
              signature,
            });
          } else if (m.type === "verify") {
            const fields = {
              taskId: m.taskId,
              node: account.address,
              claimHash: outputHash(m.tokenIds),
              pass: true,
              firstFailingPosition: -1,
              nonTop1: 0,
              maxGapMicros: gapMicros(0),
              scored: m.tokenIds.length,
            };
            const signature = signRaw(sessionPrivateKey, reportHash(fields));
            const { node: _node, ...frame } = fields;
            timed(`report:${m.taskId}`, {
              type: "report",
              v: PROTOCOL_VERSION,
              ...frame,
              signature,
              timings: { queueMs: 0, inferenceMs: 1 },
            });
          } else if (m.type === "ack") {
            const key = `${m.of}:${m.taskId}`;
            const started = sentAt.get(key);
            if (started !== undefined) {
              latencies.push(performance.now() - started);
              sentAt.delete(key);
            }
            acks++;
            const reveal = m.of === "commit" ? reveals.get(m.taskId) : undefined;
            if (reveal) {
              reveals.delete(m.taskId);
              timed(`reveal:${m.taskId}`, {
                type: "reveal",
                v: PROTOCOL_VERSION,
                taskId: m.taskId,
                tokenIds: reveal.tokenIds,
                salt: reveal.salt,
                timings: { queueMs: 0, inferenceMs: 1 },
              });
            }
          } else if (m.type === "error") {
            send({ type: "error", error: m });
          }
        });
        ws.on("error", reject);
      });
    }),
  );
  send({ type: "ready" });
  process.on("message", (m: { type: string }) => {
    if (m.type !== "report") return;
    const sorted = Float64Array.from(latencies).sort();
    send({ type: "report", acks, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), samples: sorted.length });
    latencies.length = 0;
  });
}

async function hold(job: Job): Promise<void> {
  const sessions = job.sessions ?? [];
  let open = 0;
  let closed = 0;
  let heartbeats = 0;
  const batch = 200;
  for (let i = 0; i < sessions.length; i += batch) {
    await Promise.all(
      sessions.slice(i, i + batch).map(
        (session, k) =>
          new Promise<void>((resolve) => {
            const ws = new WebSocket(wsUrlOf(job, i + k), { perMessageDeflate: false });
            ws.on("message", (data) => {
              const m = JSON.parse(data.toString());
              if (m.type === "hello") ws.send(JSON.stringify({ type: "auth", v: PROTOCOL_VERSION, session }));
              else if (m.type === "auth_ok") {
                ws.send(JSON.stringify({ type: "ready", v: PROTOCOL_VERSION, models: ["bench"], capacity: 1 }));
                open++;
                const timer = setInterval(
                  () =>
                    ws.readyState === WebSocket.OPEN &&
                    ws.send(JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, t: Date.now() })),
                  job.heartbeatMs ?? 5_000,
                );
                timer.unref();
                ws.on("close", () => clearInterval(timer));
                resolve();
              } else if (m.type === "heartbeat") heartbeats++;
            });
            ws.on("close", () => {
              closed++;
              resolve();
            });
            ws.on("error", () => resolve());
          }),
      ),
    );
  }
  send({ type: "ready", open });
  process.on("message", (m: { type: string }) => {
    if (m.type === "report") send({ type: "report", open, closed, heartbeats });
  });
}

process.once("message", (job: Job) => {
  (job.mode === "work" ? work(job) : hold(job)).catch((error: unknown) => {
    send({ type: "fatal", error: String(error) });
    process.exit(1);
  });
});
