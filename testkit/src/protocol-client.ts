import {
  decodeRelayerMessage,
  type HelloMessage,
  outputHash,
  PROTOCOL_VERSION,
  type RelayerMessage,
  signInTypedData,
} from "@gitblock/sdk";
import type { Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import WebSocket from "ws";

type Of<T extends RelayerMessage["type"]> = Extract<RelayerMessage, { type: T }>;

/** A minimal node speaking the protocol over a real socket, for tests (the real engines are another package). */
export class TestNode {
  readonly account: LocalAccount;
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
  async signInFrame(tamper: Partial<Record<"relayer" | "chainId" | "expiresAt" | "nonce", unknown>> = {}) {
    if (!this.hello) throw new Error("no hello yet");
    const challenge = {
      relayer: this.hello.relayer,
      chainId: this.hello.chainId,
      account: this.account.address,
      nonce: this.hello.nonce as Hex,
      issuedAt: this.hello.issuedAt,
      expiresAt: this.hello.expiresAt,
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

  ready(models = ["tiny-llm"], capacity = 4, country?: string): void {
    this.send({ type: "ready", v: PROTOCOL_VERSION, models, capacity, ...(country ? { country } : {}) });
  }

  send(frame: unknown): void {
    this.raw(JSON.stringify(frame));
  }

  raw(data: string | Buffer): void {
    if (!this.socket) throw new Error("not connected");
    this.socket.send(data);
  }

  result(taskId: string, tokens: number[], timings = { queueMs: 1, inferenceMs: 20 }): void {
    this.send({
      type: "result",
      v: PROTOCOL_VERSION,
      taskId,
      outputHash: outputHash(tokens),
      tokensGenerated: tokens.length,
      timings,
    });
  }

  /** Waits for the next not-yet-consumed message of `type` (consumes it). */
  async next<T extends RelayerMessage["type"]>(
    type: T,
    { timeoutMs = 5_000, where = () => true }: { timeoutMs?: number; where?: (message: Of<T>) => boolean } = {},
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

  async closed(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
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
