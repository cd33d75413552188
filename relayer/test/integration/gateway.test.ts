import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PROTOCOL_VERSION } from "@gitblock/sdk";
import { startTestRelayer, TestNode, type TestRelayer } from "@gitblock/testkit";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

describe("node gateway: authentication and hostile frames", () => {
  let t: TestRelayer;
  const opened: TestNode[] = [];
  const node = () => {
    const n = new TestNode();
    opened.push(n);
    return n;
  };
  before(async () => {
    t = await startTestRelayer({ gateway: { maxFrameBytes: 1_024, messagesPerSecond: 20, burst: 20 } });
  });
  after(async () => {
    for (const n of opened) n.close();
    await t.stop();
  });

  it("signs in with an EIP-712 challenge and resumes with the session token", async () => {
    const n = node();
    const hello = await n.open(t.wsUrl);
    assert.equal(hello.relayer, "localhost");
    assert.equal(hello.chainId, 31_337);
    n.send(await n.signInFrame());
    const ok = await n.next("auth_ok");
    assert.equal(ok.account, n.address);
    n.close();
    await n.closed();
    await n.connect(t.wsUrl, { resume: true });
    n.send({ type: "heartbeat", v: PROTOCOL_VERSION, t: 1 });
    assert.equal((await n.next("heartbeat")).t, 1);
  });

  it("refuses a replayed signature", async () => {
    const first = node();
    await first.open(t.wsUrl);
    const frame = await first.signInFrame();
    first.send(frame);
    await first.next("auth_ok");
    const replay = node();
    await replay.open(t.wsUrl);
    replay.send(frame);
    const error = await replay.next("error");
    assert.equal(error.code, "auth_failed");
    assert.match(error.message, /^replayed: .*already used/);
    assert.equal((await replay.closed()).code, 4401);
  });

  it("refuses expired, wrong-chain, wrong-domain and forged sign-ins with a clear reason", async () => {
    const cases: Array<[string, (n: TestNode) => Promise<unknown>, RegExp]> = [
      ["expired", (n) => n.signInFrame({ expiresAt: Math.floor(Date.now() / 1000) - 1 }), /^expired: /],
      ["wrong chain", (n) => n.signInFrame({ chainId: 1 }), /^wrong_chain: .*chain 1.*31337/],
      ["wrong domain", (n) => n.signInFrame({ relayer: "evil.example" }), /^wrong_domain: .*evil\.example/],
      [
        "forged",
        async (n) => {
          const frame = (await n.signInFrame()) as { signIn: { account: string } };
          frame.signIn.account = privateKeyToAccount(generatePrivateKey()).address;
          return frame;
        },
        /^bad_signature: /,
      ],
      [
        "unknown session",
        async () => ({ type: "auth", v: PROTOCOL_VERSION, session: "x".repeat(43) }),
        /^unknown_session: /,
      ],
    ];
    for (const [name, frame, expected] of cases) {
      const n = node();
      await n.open(t.wsUrl);
      n.send(await frame(n));
      const error = await n.next("error");
      assert.equal(error.code, "auth_failed", name);
      assert.match(error.message, expected, name);
    }
  });

  it("looks the nonce up before recovering a signature: garbage over an unknown nonce reads unknown, not bad signature", async () => {
    const n = node();
    await n.open(t.wsUrl);
    const frame = (await n.signInFrame()) as { signIn: { nonce: string; signature: string } };
    frame.signIn.nonce = `0x${"ab".repeat(32)}`;
    frame.signIn.signature = `0x${"11".repeat(65)}`;
    n.send(frame);
    const error = await n.next("error");
    assert.equal(error.code, "auth_failed");
    assert.match(error.message, /^replayed: unknown challenge nonce/);
  });

  it("deletes expired challenge nonces, and a sign-in with one is still refused as expired", async () => {
    const n = node();
    await n.open(t.wsUrl);
    const frame = (await n.signInFrame()) as { signIn: { nonce: `0x${string}` } };
    const now = t.clock.now();
    assert.equal(await t.relayer.store.nonceState(frame.signIn.nonce, now), "ok");
    assert.ok((await t.relayer.store.deleteExpiredNonces(now)) >= 0);
    assert.equal(await t.relayer.store.nonceState(frame.signIn.nonce, now), "ok", "an unexpired nonce is kept");
    const later = now + 301_000;
    assert.ok((await t.relayer.store.deleteExpiredNonces(later)) >= 1);
    assert.equal(await t.relayer.store.nonceState(frame.signIn.nonce, later), "unknown", "the expired row is gone");
    t.clock.advance(301_000);
    try {
      n.send(frame);
      assert.match((await n.next("error")).message, /^expired: /);
    } finally {
      t.clock.advance(-301_000);
    }
  });

  it("an expired challenge is refused even when the node signs it as issued (time travel)", async () => {
    const n = node();
    await n.open(t.wsUrl);
    const frame = await n.signInFrame();
    t.clock.advance(301_000);
    try {
      n.send(frame);
      assert.match((await n.next("error")).message, /^expired: /);
    } finally {
      t.clock.advance(-301_000);
    }
  });

  it("answers malformed, invalid, binary, oversized and unauthenticated frames with errors and keeps serving", async () => {
    const n = node();
    await n.open(t.wsUrl);
    n.raw("{ this is not json");
    assert.equal((await n.next("error")).code, "bad_frame");
    n.send({ type: "commit", v: PROTOCOL_VERSION });
    const invalid = await n.next("error");
    assert.equal(invalid.code, "bad_frame");
    assert.match(invalid.message, /taskId|commitment/);
    n.send({ type: "result", v: PROTOCOL_VERSION, taskId: "x" });
    assert.equal((await n.next("error")).code, "bad_frame", "the old result frame is not part of the protocol");
    n.send({ type: "heartbeat", v: 9, t: 1 }); // deliberately a literal: a version other than PROTOCOL_VERSION
    assert.equal((await n.next("error")).code, "unsupported_version");
    n.raw(Buffer.from([1, 2, 3]));
    assert.equal((await n.next("error")).code, "bad_frame");
    n.send({ type: "heartbeat", v: PROTOCOL_VERSION, t: 1, pad: "x".repeat(2_000) });
    assert.equal((await n.next("error")).code, "frame_too_large");
    n.send({ type: "heartbeat", v: PROTOCOL_VERSION, t: 1 });
    assert.equal((await n.next("error")).code, "unauthenticated");
    // Still alive and able to sign in on the same socket.
    n.send(await n.signInFrame());
    await n.next("auth_ok");
    // Far beyond the limit: the socket is closed with 1009 (message too big), the process keeps running.
    n.raw("x".repeat(10_000));
    assert.equal((await n.closed()).code, 1009);
    const health = await fetch(`${t.url}/healthz`);
    assert.equal(health.status, 200);
  });

  it("rate-limits each connection", async () => {
    const n = node();
    await n.connect(t.wsUrl);
    for (let i = 0; i < 60; i++) n.send({ type: "heartbeat", v: PROTOCOL_VERSION, t: i });
    const limited = await n.next("error");
    assert.equal(limited.code, "rate_limited");
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(metrics, /gitblock_frames_rejected_total\{code="rate_limited"/);
  });
});
