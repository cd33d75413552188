import {
  type AgreementReport,
  commitmentHash,
  decodeRelayerMessage,
  gapMicros,
  type HelloMessage,
  outputHash,
  PROTOCOL_VERSION,
  type RelayerMessage,
  reportHash,
  signInTypedData,
} from "@gitblock/sdk";
import type { Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import WebSocket from "ws";

type Of<T extends RelayerMessage["type"]> = Extract<RelayerMessage, { type: T }>;

function randomSalt(): Hex {
  return generatePrivateKey();
}

/** A minimal node speaking the protocol over a real socket, for tests (the real engines are another package). */
export class TestNode {
  readonly account: LocalAccount;
  /** Signs commitments and reports; named in every sign-in. */
  sessionKey: LocalAccount = privateKeyToAccount(generatePrivateKey());
  /** Salts of commitments sent, by task, for the reveal. */
  readonly salts = new Map<string, Hex>();
  socket: WebSocket | null = null;
  session: string | null = null;
  hello: HelloMessage | null = null;
  readonly received: RelayerMessage[] = [];
  closeInfo: { code: number; reason: string } | null = null;
  private waiters: Array<() => void> = [];

  constructor(account: LocalAccount = privateKeyToAccount(generatePrivateKey())) {
    this.account = account;
  }

  get address() {
    return this.account.address;
  }

  /** Opens a socket and waits for the relayer's hello. */
  async open(wsUrl: string): Promise<HelloMessage> {
    this.closeInfo = null;
    const socket = new WebSocket(wsUrl);
    this.socket = socket;
    socket.on("message", (data) => {
      const decoded = decodeRelayerMessage(data.toString());
      if (!decoded.ok) throw new Error(`relayer sent an invalid frame: ${decoded.reason}: ${data.toString()}`);
      this.received.push(decoded.message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on("close", (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on("error", () => {});
    this.hello = await this.next("hello");
    return this.hello;
  }

  /** Signs the hello's challenge (optionally tampered with) and returns the auth frame. */
  async signInFrame(
    tamper: Partial<Record<"relayer" | "chainId" | "expiresAt" | "nonce" | "sessionKey", unknown>> = {},
  ) {
    if (!this.hello) throw new Error("no hello yet");
    const challenge = {
      relayer: this.hello.relayer,
      chainId: this.hello.chainId,
      account: this.account.address,
      nonce: this.hello.nonce as Hex,
      issuedAt: this.hello.issuedAt,
      expiresAt: this.hello.expiresAt,
      sessionKey: this.sessionKey.address,
      ...tamper,
    } as Parameters<typeof signInTypedData>[0];
    const signature = await this.account.signTypedData(signInTypedData(challenge));
    return { type: "auth", v: PROTOCOL_VERSION, signIn: { ...challenge, signature } };
  }

  /** Full sign-in on a fresh socket (or resume with the session token when `resume`). */
  async connect(wsUrl: string, { resume = false } = {}): Promise<void> {
    await this.open(wsUrl);
    if (resume && this.session) this.send({ type: "auth", v: PROTOCOL_VERSION, session: this.session });
    else this.send(await this.signInFrame());
    const ok = await this.next("auth_ok");
    this.session = ok.session;
  }

  /** Announces models and capacity; `verify`: this node may be drawn as a verifier. */
  ready(models = ["tiny-llm"], capacity = 4, country?: string, verify = true): void {
    this.send({ type: "ready", v: PROTOCOL_VERSION, models, capacity, verify, ...(country ? { country } : {}) });
  }

  send(frame: unknown): void {
    this.raw(JSON.stringify(frame));
  }

  raw(data: string | Buffer): void {
    if (!this.socket) throw new Error("not connected");
    this.socket.send(data);
  }

  /** A generator's signed commitment to `tokens` (a fresh salt, kept for the reveal). */
  async commit(taskId: string, tokens: number[], salt: Hex = randomSalt()): Promise<Hex> {
    this.salts.set(taskId, salt);
    const commitment = commitmentHash({
      taskId,
      node: this.account.address,
      outputHash: outputHash(tokens),
      tokenCount: tokens.length,
      salt,
    });
    const signature = await this.sessionKey.signMessage({ message: { raw: commitment } });
    this.send({ type: "commit", v: PROTOCOL_VERSION, taskId, commitment, signature });
    return commitment;
  }

  reveal(taskId: string, tokens: number[], timings = { queueMs: 1, inferenceMs: 20 }): void {
    const salt = this.salts.get(taskId);
    if (!salt) throw new Error(`no commitment sent for ${taskId}`);
    this.send({ type: "reveal", v: PROTOCOL_VERSION, taskId, tokenIds: tokens, salt, timings });
  }

  /** Commit, wait for its ack, reveal, wait for that ack: what an honest generator does. */
  async generate(taskId: string, tokens: number[]): Promise<void> {
    await this.commit(taskId, tokens);
    await this.next("ack", { where: (m) => m.taskId === taskId && m.of === "commit" });
    this.reveal(taskId, tokens);
    await this.next("ack", { where: (m) => m.taskId === taskId && m.of === "reveal" });
  }

  /** A verifier's signed report on the claim `tokens`. */
  async report(
    taskId: string,
    tokens: number[],
    report: Pick<AgreementReport, "pass"> & Partial<AgreementReport>,
    timings = { queueMs: 1, inferenceMs: 5 },
  ): Promise<void> {
    const fields = {
      taskId,
      node: this.account.address,
      claimHash: outputHash(tokens),
      pass: report.pass,
      firstFailingPosition: report.firstFailingPosition ?? (report.pass ? -1 : 0),
      nonTop1: report.nonTop1 ?? (report.pass ? 0 : tokens.length),
      maxGapMicros: gapMicros(report.maxGap ?? (report.pass ? 0 : 5)),
      scored: report.scored ?? tokens.length,
    };
    const signature = await this.sessionKey.signMessage({ message: { raw: reportHash(fields) } });
    const { node: _node, ...frame } = fields;
    this.send({ type: "report", v: PROTOCOL_VERSION, ...frame, signature, timings });
  }

  /** Takes the first not-yet-consumed message of `type` matching `where`, if one has arrived (no waiting). */
  take<T extends RelayerMessage["type"]>(type: T, where: (message: Of<T>) => boolean = () => true): Of<T> | undefined {
    const index = this.received.findIndex((m) => m.type === type && where(m as Of<T>));
    return index >= 0 ? (this.received.splice(index, 1)[0] as Of<T>) : undefined;
  }

  /** Resolves when any message arrives (or after `ms`): for loops that react to several nodes' frames. */
  arrival(ms = 100): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Waits for the next not-yet-consumed message of `type` (consumes it). */
  async next<T extends RelayerMessage["type"]>(
    type: T,
    { timeoutMs = 60_000, where = () => true }: { timeoutMs?: number; where?: (message: Of<T>) => boolean } = {},
  ): Promise<Of<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((m) => m.type === type && where(m as Of<T>));
      if (index >= 0) return this.received.splice(index, 1)[0] as Of<T>;
      if (this.closeInfo && type !== "error") {
        throw new Error(`socket closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for ${type}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no ${type} within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((m) => m.type))}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for a message of `type` matching `where` without consuming it (so `take`, `next` or `play` still see it). */
  async peek<T extends RelayerMessage["type"]>(
    type: T,
    { timeoutMs = 60_000, where = () => true }: { timeoutMs?: number; where?: (message: Of<T>) => boolean } = {},
  ): Promise<Of<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((m) => m.type === type && where(m as Of<T>));
      if (found) return found as Of<T>;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no ${type} within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((m) => m.type))}`);
      }
      await this.arrival(Math.min(left, 100));
    }
  }

  async closed(timeoutMs = 60_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closeInfo) {
      if (Date.now() > deadline) throw new Error("socket did not close");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.closeInfo;
  }

  close(): void {
    this.socket?.close();
  }
}

/** What an honest node generates for a task in tests: a fixed function of the task id's shape (its input). */
export const HONEST_TOKENS = [101, 2023, 318, 257, 1332, 13];
export const LIAR_TOKENS = [101, 2023, 318, 257, 1332, 14];
