// What every HTTP answer owes a client, hostile or not (issue 17, item 7, in part): JSON for unknown routes, no
// internal error text, a clear 400 for a malformed query, the admin token only as `Authorization: Bearer` and
// compared without throwing, body limits that follow the schema's character counts, security headers.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestRelayer, type TestRelayer } from "@gitblock/testkit";
import { TASK_SUBMISSION_BODY_BYTES } from "../../src/api/routes.ts";

const ADMIN = "test-admin-token-0123456789";
const task = JSON.stringify({ model: "tiny-llm", input: "hygiene", maxTokens: 4 });

describe("HTTP hygiene", () => {
  let t: TestRelayer;
  before(async () => {
    t = await startTestRelayer({ api: { adminToken: ADMIN } });
  });
  after(async () => {
    await t.stop();
  });

  const submit = (authorization?: string) =>
    fetch(`${t.url}/api/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization !== undefined ? { authorization } : {}) },
      body: task,
    });

  it("answers unknown routes with JSON, not Express's HTML page", async () => {
    for (const path of ["/nope", "/api/nope", "/api/nodes/0x0000000000000000000000000000000000000000/extra"]) {
      const res = await fetch(`${t.url}${path}`);
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/, path);
      assert.deepEqual(await res.json(), { error: "not found" }, path);
    }
  });

  it("refuses a malformed offset with a clear 400, never a 500 with the database's words", async () => {
    for (const offset of ["1.5", "-1", "abc", "1e400"]) {
      const res = await fetch(`${t.url}/api/nodes?offset=${offset}`);
      assert.equal(res.status, 400, offset);
      assert.deepEqual(await res.json(), { error: "offset must be a whole number ≥ 0" }, offset);
    }
    assert.equal((await fetch(`${t.url}/api/nodes?offset=0`)).status, 200);
  });

  it("takes the admin token only as Authorization: Bearer, and a non-ASCII or odd-length one is just wrong", async () => {
    assert.equal((await submit(`Bearer ${ADMIN}`)).status, 201);
    for (const authorization of [ADMIN, `bearer ${ADMIN}`, `Basic ${ADMIN}`, "Bearer ", "Bearer x", "Bearer ÿé"]) {
      const res = await submit(authorization);
      assert.equal(res.status, 401, authorization);
      assert.match(((await res.json()) as { error: string }).error, /admin token required/, authorization);
    }
    assert.equal((await submit()).status, 401);
    // Same length as the token, other bytes: still compared without throwing.
    assert.equal((await submit(`Bearer ${"é".repeat(ADMIN.length)}`)).status, 401);
  });

  it("hides an internal or malformed-request error's text", async () => {
    // A malformed URI escape fails inside Express's router: the answer names no internals.
    const res = await fetch(`${t.url}/api/tasks/%E0%A4%A`);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; message: string };
    assert.deepEqual([body.code, body.message], ["bad_frame", "bad request"]);
  });

  const submitRaw = (body: string) =>
    fetch(`${t.url}/api/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
      body,
    });
  /** Every non-ASCII code unit as `\uXXXX` (JSON.stringify already escapes control characters so), the widest way. */
  const escapeAll = (json: string) =>
    json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

  it("accepts the largest valid submission however it is encoded, and refuses a larger body before parsing it", async () => {
    // 8,192 characters each: three-byte UTF-8, surrogate pairs (two code units each), control characters escaped.
    const inputs = ["€".repeat(8_192), "𝔸".repeat(4_096), "\u0001".repeat(8_192)];
    for (const input of inputs) {
      for (const encode of [(j: string) => j, escapeAll]) {
        const body = encode(JSON.stringify({ model: "m".repeat(128), input, maxTokens: 8_192, seed: 0 }, null, 2));
        const res = await submitRaw(body);
        assert.equal(res.status, 201, `${Buffer.byteLength(body)} bytes: ${await res.text()}`);
      }
    }
    const tooLong = await submitRaw(JSON.stringify({ model: "tiny-llm", input: "é".repeat(8_193), maxTokens: 4 }));
    assert.equal(tooLong.status, 400);
    assert.match(((await tooLong.json()) as { error: string }).error, /8192/);
    // A body the schema could never accept is refused before it is parsed, with JSON.
    const padded = JSON.stringify({ model: "tiny-llm", input: "x", maxTokens: 4 }).replace(
      "{",
      `{${" ".repeat(TASK_SUBMISSION_BODY_BYTES)}`,
    );
    const tooLarge = await submitRaw(padded);
    assert.equal(tooLarge.status, 413);
    assert.equal(((await tooLarge.json()) as { code: string }).code, "frame_too_large");
  });

  it("sends security headers on every answer", async () => {
    for (const path of ["/api/stats", "/nope", "/healthz"]) {
      const res = await fetch(`${t.url}${path}`);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.ok(res.headers.get("content-security-policy"), path);
      assert.ok(res.headers.get("strict-transport-security"), path);
      assert.equal(res.headers.get("x-powered-by"), null, path);
    }
  });
});
