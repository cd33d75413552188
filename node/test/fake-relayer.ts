// A relayer stand-in for node tests of frames the real relayer does not send yet (`serve`, `cancel`): a WebSocket
// server on a real port that greets with `hello`, accepts any sign-in, records every frame the node sends and sends
// what the test tells it to. The node package has no WebSocket server library (`ws` belongs to the testkit), so
// this speaks RFC 6455 itself, as far as a test needs: one client, unfragmented text frames, close and ping.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  decodeNodeMessage,
  NODE_SOCKET_PATH,
  type NodeMessage,
  PROTOCOL_VERSION,
  type RelayerMessage,
} from "@gitblock/sdk";

const HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const OPCODE = { text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** An unmasked server frame. */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x80 | opcode, length])
      : length < 65_536
        ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff])
        : Buffer.concat([
            Buffer.from([0x80 | opcode, 127]),
            Buffer.from(new BigUint64Array([BigInt(length)]).buffer).reverse(),
          ]);
  return Buffer.concat([header, payload]);
}

/** Complete client frames at the head of `buffer` (masked, per the RFC), and what is left of it. */
function readFrames(buffer: Buffer): { frames: Array<{ opcode: number; payload: Buffer }>; rest: Buffer } {
  const frames: Array<{ opcode: number; payload: Buffer }> = [];
  let at = 0;
  while (buffer.length - at >= 2) {
    const opcode = (buffer[at] as number) & 0x0f;
    const masked = ((buffer[at + 1] as number) & 0x80) !== 0;
    let length = (buffer[at + 1] as number) & 0x7f;
    let head = 2;
    if (length === 126) {
      if (buffer.length - at < 4) break;
      length = buffer.readUInt16BE(at + 2);
      head = 4;
    } else if (length === 127) {
      if (buffer.length - at < 10) break;
      length = Number(buffer.readBigUInt64BE(at + 2));
      head = 10;
    }
    const mask = masked ? 4 : 0;
    if (buffer.length - at < head + mask + length) break;
    const key = buffer.subarray(at + head, at + head + mask);
    const payload = Buffer.from(buffer.subarray(at + head + mask, at + head + mask + length));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (key[i % 4] as number);
    frames.push({ opcode, payload });
    at += head + mask + length;
  }
  return { frames, rest: buffer.subarray(at) };
}

export class FakeRelayer {
  /** Every frame the node sent, in order. */
  readonly received: NodeMessage[] = [];
  url = "";
  private server: Server | null = null;
  private socket: Socket | null = null;
  private waiters: Array<() => void> = [];

  get socketUrl(): string {
    return `${this.url.replace(/^http/, "ws")}${NODE_SOCKET_PATH}`;
  }

  async start(): Promise<void> {
    const server = createServer((_req, res) => res.writeHead(404).end());
    server.on("upgrade", (req, socket: Socket) => {
      const accept = createHash("sha1").update(`${req.headers["sec-websocket-key"]}${HANDSHAKE_GUID}`).digest("base64");
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      this.socket = socket;
      let buffer: Buffer = Buffer.alloc(0);
      socket.on("data", (data: Buffer) => {
        const { frames, rest } = readFrames(Buffer.concat([buffer, data]));
        buffer = rest;
        for (const { opcode, payload } of frames) this.onFrame(socket, opcode, payload);
      });
      socket.on("error", () => {});
      const now = Math.floor(Date.now() / 1000);
      this.send({
        type: "hello",
        v: PROTOCOL_VERSION,
        relayer: "fake-relayer",
        chainId: 31_337,
        nonce: `0x${randomBytes(32).toString("hex")}`,
        issuedAt: now,
        expiresAt: now + 300,
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private onFrame(socket: Socket, opcode: number, payload: Buffer): void {
    if (opcode === OPCODE.close) {
      socket.end(frame(OPCODE.close, payload.subarray(0, 2)));
      return;
    }
    if (opcode === OPCODE.ping) {
      socket.write(frame(OPCODE.pong, payload));
      return;
    }
    if (opcode !== OPCODE.text) return;
    const decoded = decodeNodeMessage(payload.toString("utf8"));
    if (!decoded.ok) throw new Error(`the node sent an invalid frame: ${decoded.reason}`);
    const message = decoded.message;
    this.received.push(message);
    if (message.type === "auth") {
      const account = message.signIn?.account ?? "0x0000000000000000000000000000000000000001";
      this.send({
        type: "auth_ok",
        v: PROTOCOL_VERSION,
        account,
        session: `session-${randomBytes(8).toString("hex")}`,
        expiresAt: Math.floor(Date.now() / 1000) + 3_600,
      });
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Sends a relayer frame to the connected node. */
  send(message: RelayerMessage): void {
    if (!this.socket) throw new Error("no node connected");
    this.socket.write(frame(OPCODE.text, Buffer.from(JSON.stringify(message), "utf8")));
  }

  /** Resolves with the first received frame (from `from` on) that passes `where`; rejects after `timeoutMs`. */
  async next<T extends NodeMessage["type"]>(
    type: T,
    where: (message: Extract<NodeMessage, { type: T }>) => boolean = () => true,
    { from = 0, timeoutMs = 8_000 }: { from?: number; timeoutMs?: number } = {},
  ): Promise<Extract<NodeMessage, { type: T }>> {
    type Of = Extract<NodeMessage, { type: T }>;
    const giveUp = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find((m): m is Of => m.type === type && where(m as Of));
      if (found) return found;
      const left = giveUp - Date.now();
      if (left <= 0) throw new Error(`no ${type} frame from the node within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  stop(): void {
    this.socket?.destroy();
    this.server?.closeAllConnections();
    this.server?.close();
  }
}
