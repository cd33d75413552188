// One hostile host, in its own process (forked by run.ts): from its own loopback address it holds unauthenticated
// node sockets and half-open TCP connections, and signs in as fast as it can with signatures that never verify
// (each on a fresh, real nonce, so every attempt that gets through costs the relayer a signature recovery). It
// counts what it tried and what the relayer refused; it asserts nothing.

import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { NODE_HTTP_ROUTES, PROTOCOL_VERSION } from "@gitblock/sdk";
import { WebSocket } from "ws";

interface FloodJob {
  httpUrl: string;
  wsUrl: string;
  /** The flood's own source address (anything in 127.0.0.0/8 is loopback on Linux). */
  sourceIp: string;
  unauthenticatedSockets: number;
  halfOpenConnections: number;
  signInConcurrency: number;
}

const counts = { signInAttempts: 0, signInRefused: 0, socketsOpened: 0, socketsRefused: 0, halfOpenRefused: 0 };
let stopping = false;

function post(job: FloodJob, path: string, body: unknown): Promise<{ status: number; body: string }> {
  const url = new URL(path, job.httpUrl);
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        localAddress: job.sourceIp,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", () => resolve({ status: 0, body: "" }));
      },
    );
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.end(payload);
  });
}

async function signInLoop(job: FloodJob): Promise<void> {
  while (!stopping) {
    counts.signInAttempts++;
    const hello = await post(job, NODE_HTTP_ROUTES.challenge, {});
    if (hello.status !== 200) {
      counts.signInRefused++;
      continue;
    }
    const challenge = JSON.parse(hello.body) as Record<string, unknown>;
    const account = `0x${randomBytes(20).toString("hex")}`;
    const answer = await post(job, NODE_HTTP_ROUTES.session, {
      type: "auth",
      v: PROTOCOL_VERSION,
      signIn: {
        relayer: challenge.relayer,
        chainId: challenge.chainId,
        account,
        nonce: challenge.nonce,
        issuedAt: challenge.issuedAt,
        expiresAt: challenge.expiresAt,
        sessionKey: account,
        signature: `0x${randomBytes(65).toString("hex")}`,
      },
    });
    if (answer.status === 429 || answer.status === 0) counts.signInRefused++;
  }
}

/** Keeps `count` unauthenticated node sockets open: each one closed (by the relayer) is opened again. */
function holdSockets(job: FloodJob): void {
  const open = () => {
    if (stopping) return;
    const ws = new WebSocket(job.wsUrl, { localAddress: job.sourceIp });
    let opened = false;
    ws.on("open", () => {
      opened = true;
      counts.socketsOpened++;
    });
    ws.on("error", () => {});
    ws.on("close", () => {
      if (!opened) counts.socketsRefused++;
      // Back off a little after a refusal, as a flood that wants to last would.
      setTimeout(open, opened ? 0 : 50);
    });
  };
  for (let i = 0; i < job.unauthenticatedSockets; i++) open();
}

/** TCP connections that send nothing: each closed one is opened again. */
function holdHalfOpen(job: FloodJob): void {
  const url = new URL(job.httpUrl);
  const sockets = new Set<Socket>();
  const open = () => {
    if (stopping) return;
    const socket = connect({ host: url.hostname, port: Number(url.port), localAddress: job.sourceIp });
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      counts.halfOpenRefused++;
      setTimeout(open, 50);
    });
  };
  for (let i = 0; i < job.halfOpenConnections; i++) open();
}

process.on("message", (message: { type: string } & Partial<FloodJob>) => {
  if (message.type === "start") {
    const job = message as unknown as FloodJob;
    holdHalfOpen(job);
    holdSockets(job);
    for (let i = 0; i < job.signInConcurrency; i++) void signInLoop(job);
    process.send?.({ type: "started" });
  } else if (message.type === "report") {
    process.send?.({ type: "report", ...counts });
  } else if (message.type === "stop") {
    stopping = true;
    // Exits once the report is handed to the parent, so the last counts are never lost to the exit.
    process.send?.({ type: "report", ...counts }, () => process.exit(0));
  }
});
