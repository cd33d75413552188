import { describe, expect, it } from "vitest";
import {
  formatPrice,
  lockedTiers,
  messagesAffordable,
  openModels,
  parseCatalogue,
  unlockProgress,
} from "../src/lib/catalogue.ts";
import { completionEvent, streamChatCompletion } from "../src/lib/chat-completions.ts";
import { formatGbt, parseGbt } from "../src/lib/format.ts";
import { GatewayApi } from "../src/lib/gateway-api.ts";
import {
  describeGatewayError,
  GatewayError,
  gatewayErrorFromEvent,
  gatewayErrorFromResponse,
  gatewayErrorFromStatus,
  parseRetryAfter,
} from "../src/lib/gateway-errors.ts";

/** The Authorization header a recorded request carried. */
const authorization = (call: { init: RequestInit } | undefined) =>
  (call?.init.headers as Record<string, string> | undefined)?.authorization;

const openAi = (message: string, code: string | null = null, type = "invalid_request_error") => ({
  error: { message, type, code },
});

describe("gateway errors", () => {
  it("maps each status to the failure the page handles", () => {
    expect(gatewayErrorFromStatus(401, openAi("invalid session")).kind).toBe("sign-in");
    const credit = gatewayErrorFromStatus(402, openAi("no credit", "insufficient_credit"));
    expect([credit.kind, credit.code, credit.message]).toEqual(["no-credit", "insufficient_credit", "no credit"]);
    expect(gatewayErrorFromStatus(404, openAi("model x does not exist", "model_not_found")).kind).toBe("unknown-model");
    expect(gatewayErrorFromStatus(503, openAi("no node", "no_node_available")).kind).toBe("no-node");
    expect(gatewayErrorFromStatus(503, openAi("busy", "overloaded")).kind).toBe("unavailable");
    expect(gatewayErrorFromStatus(500, "<html>").message).toBe("HTTP 500");
    expect(gatewayErrorFromStatus(502, openAi("every node failed", "generation_failed")).kind).toBe("interrupted");
  });

  it("reads the retry time of a 429 as seconds or as an HTTP date", () => {
    expect(gatewayErrorFromStatus(429, openAi("over quota"), "3600").retryAfterSeconds).toBe(3_600);
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:02:00 GMT", now)).toBe(120);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
    expect(gatewayErrorFromStatus(429, null).retryAfterSeconds).toBeNull();
  });

  it("reads a Response: JSON body, plain text, protocol error frames", async () => {
    const quota = await gatewayErrorFromResponse(
      new Response(JSON.stringify(openAi("daily quota used", "rate_limit_exceeded")), {
        status: 429,
        headers: { "retry-after": "90" },
      }),
    );
    expect([quota.kind, quota.status, quota.retryAfterSeconds, quota.message]).toEqual([
      "quota",
      429,
      90,
      "daily quota used",
    ]);
    const text = await gatewayErrorFromResponse(new Response("Bad Gateway", { status: 502 }));
    expect([text.kind, text.message]).toEqual(["unavailable", "Bad Gateway"]);
    const frame = await gatewayErrorFromResponse(
      new Response(JSON.stringify({ type: "error", code: "bad_signature", message: "signature mismatch" }), {
        status: 401,
      }),
    );
    expect([frame.kind, frame.message]).toEqual(["sign-in", "signature mismatch"]);
  });

  it("says what happened and what to do", () => {
    const quota = describeGatewayError(new GatewayError("quota", "x", { status: 429, retryAfterSeconds: 3_720 }));
    expect(quota.detail).toContain("Try again in 1h 02m");
    expect(quota.remedy).toBe("retry");
    const credit = describeGatewayError(new GatewayError("no-credit", "x", { status: 402 }), "Premium Sim");
    expect(credit.title).toBe("No credit left");
    expect(credit.detail).toContain("“Premium Sim” is a premium model");
    expect(credit.remedy).toBe("deposit");
    expect(describeGatewayError(new GatewayError("no-node", "x"), "Sim").detail).toContain(
      "No node is serving “Sim” right now",
    );
    expect(describeGatewayError(new GatewayError("sign-in", "x")).remedy).toBe("sign-in");
    expect(describeGatewayError(new GatewayError("interrupted", "node lost")).detail).toContain("node lost");
    expect(describeGatewayError(new GatewayError("unknown-model", "x"), "M").remedy).toBe("pick-model");
  });
});

describe("completion events", () => {
  it("reads deltas, the end, errors and what is of no use", () => {
    expect(completionEvent('{"choices":[{"delta":{"content":"Hi"},"finish_reason":null}]}')).toEqual({
      type: "delta",
      text: "Hi",
      finishReason: null,
    });
    expect(completionEvent('{"choices":[{"delta":{},"finish_reason":"length"}]}')).toEqual({
      type: "delta",
      text: "",
      finishReason: "length",
    });
    expect(completionEvent(" [DONE] ")).toEqual({ type: "done" });
    expect(completionEvent('{"choices":[{"delta":{"role":"assistant"}}]}')).toEqual({ type: "none" });
    const error = completionEvent(JSON.stringify(openAi("node disconnected", "upstream_error", "server_error")));
    expect(error.type === "error" && [error.error.kind, error.error.message]).toEqual([
      "interrupted",
      "node disconnected",
    ]);
    const junk = completionEvent("{not json");
    expect(junk.type === "error" && junk.error.kind).toBe("interrupted");
    expect(gatewayErrorFromEvent(openAi("spent", "insufficient_credit")).kind).toBe("no-credit");
  });
});

/** A fetch that answers with the given SSE text, split into `chunkSize`-byte chunks, and records the request. */
function sseFetch(text: string, options: { status?: number; chunkSize?: number; headers?: HeadersInit } = {}) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetcher = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    if (options.status && options.status >= 400) {
      return new Response(text, { status: options.status, headers: options.headers ?? {} });
    }
    const bytes = new TextEncoder().encode(text);
    const size = options.chunkSize ?? 7;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  }) as unknown as typeof fetch;
  return { fetcher, calls };
}

const delta = (content: string) => `data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`;

describe("streamed chat completion", () => {
  it("posts the OpenAI request and hands over the text as it grows", async () => {
    const { fetcher, calls } = sseFetch(`${delta("Hello")}${delta(", ")}${delta("world")}data: [DONE]\n\n`);
    const seen: string[] = [];
    const answer = await streamChatCompletion({
      base: "http://relayer/",
      token: "tok",
      model: "sim-llm",
      messages: [{ role: "user", content: "hi" }],
      maxTokens: 32,
      fetch: fetcher,
      onText: (t) => seen.push(t),
    });
    expect(answer.text).toBe("Hello, world");
    expect(seen).toEqual(["Hello", "Hello, ", "Hello, world"]);
    expect(calls[0]?.url).toBe("http://relayer/v1/chat/completions");
    expect(authorization(calls[0])).toBe("Bearer tok");
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({
      model: "sim-llm",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      max_tokens: 32,
    });
  });

  it("sends no Authorization header for an anonymous call", async () => {
    const { fetcher, calls } = sseFetch("data: [DONE]\n\n");
    await streamChatCompletion({ base: "", token: null, model: "m", messages: [], fetch: fetcher, onText: () => {} });
    expect(authorization(calls[0])).toBeUndefined();
  });

  it("rejects with the stream's error event after delivering the text so far", async () => {
    const { fetcher } = sseFetch(
      `${delta("par")}data: ${JSON.stringify(openAi("no node could finish", "upstream_error", "server_error"))}\n\ndata: [DONE]\n\n`,
    );
    const seen: string[] = [];
    const run = streamChatCompletion({
      base: "",
      token: "t",
      model: "m",
      messages: [],
      fetch: fetcher,
      onText: (t) => seen.push(t),
    });
    await expect(run).rejects.toMatchObject({ kind: "interrupted", message: "no node could finish" });
    expect(seen).toEqual(["par"]);
  });

  it("never truncates silently: a stream without [DONE] rejects", async () => {
    const { fetcher } = sseFetch(delta("half an ans"));
    await expect(
      streamChatCompletion({ base: "", token: "t", model: "m", messages: [], fetch: fetcher, onText: () => {} }),
    ).rejects.toMatchObject({ kind: "truncated" });
  });

  it("maps refusals before the stream: 402, 429 with its retry time, 503 no node", async () => {
    const run = (status: number, body: unknown, headers?: HeadersInit) =>
      streamChatCompletion({
        base: "",
        token: "t",
        model: "m",
        messages: [],
        fetch: sseFetch(JSON.stringify(body), { status, ...(headers ? { headers } : {}) }).fetcher,
        onText: () => {},
      });
    await expect(run(402, openAi("not enough credit", "insufficient_credit"))).rejects.toMatchObject({
      kind: "no-credit",
      status: 402,
    });
    await expect(run(429, openAi("over quota"), { "retry-after": "42" })).rejects.toMatchObject({
      kind: "quota",
      retryAfterSeconds: 42,
    });
    await expect(run(503, openAi("no node serves m", "no_node_available"))).rejects.toMatchObject({
      kind: "no-node",
    });
  });

  it("stops on abort: the request's signal aborts the body and the call rejects as aborted", async () => {
    const controller = new AbortController();
    const fetcher = (async (_url: string, init: RequestInit) => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(delta("first")));
          init.signal?.addEventListener("abort", () => c.error(new DOMException("aborted", "AbortError")));
        },
      });
      return new Response(body, { status: 200 });
    }) as unknown as typeof fetch;
    const seen: string[] = [];
    const run = streamChatCompletion({
      base: "",
      token: "t",
      model: "m",
      messages: [],
      signal: controller.signal,
      fetch: fetcher,
      onText: (t) => {
        seen.push(t);
        controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toEqual(["first"]);
  });
});

describe("catalogue and prices", () => {
  const catalogue = parseCatalogue({
    activeNodes: 4,
    models: [
      {
        id: "sim-llm",
        label: "Sim",
        priceWei: "0",
        free: true,
        nodes: 2,
        contextLength: 4096,
        minActiveNodes: 0,
        unlocked: true,
      },
      { id: "premium", label: "Premium", priceWei: "2000000000000000", free: false, nodes: 0, unlocked: true },
      { id: "qwen", label: "Qwen 3", priceWei: "1", nodes: 0, minActiveNodes: 500, unlocked: false },
      { id: "kimi", label: "Kimi K2", priceWei: "1", nodes: 0, minActiveNodes: 500, unlocked: false },
      { id: "gpt", label: "GPT-4o", priceWei: "1", nodes: 0, minActiveNodes: 5000, unlocked: false },
      { label: "no id" },
      "junk",
    ],
  });

  it("keeps well-formed entries and fills in what is missing", () => {
    expect(catalogue.models.map((m) => m.id)).toEqual(["sim-llm", "premium", "qwen", "kimi", "gpt"]);
    expect(catalogue.models[1]).toMatchObject({ free: false, contextLength: null, minActiveNodes: 0 });
    expect(parseCatalogue(null)).toEqual({ activeNodes: 0, models: [] });
  });

  it("offers open models, serving ones first, and groups locked ones by tier", () => {
    expect(openModels(catalogue).map((m) => m.id)).toEqual(["sim-llm", "premium"]);
    expect(lockedTiers(catalogue)).toEqual([
      expect.objectContaining({ threshold: 500, missing: 496, share: 4 / 500 }),
      expect.objectContaining({ threshold: 5000, missing: 4996 }),
    ]);
    expect(lockedTiers(catalogue)[0]?.models.map((m) => m.label)).toEqual(["Qwen 3", "Kimi K2"]);
    expect(unlockProgress(600, 500)).toEqual({ unlocked: true, share: 1, missing: 0 });
  });

  it("formats prices per message and counts the messages a credit pays for", () => {
    expect(formatPrice("0")).toBe("free");
    expect(formatPrice("2000000000000000")).toBe("0.002 GBT/msg");
    expect(formatPrice(10n ** 18n * 1_500n)).toBe("1,500 GBT/msg");
    expect(formatPrice("1")).toBe("< 0.000001 GBT/msg");
    expect(messagesAffordable(10n ** 16n, "2000000000000000")).toBe(5n);
    expect(messagesAffordable(0n, "1")).toBe(0n);
    expect(messagesAffordable(5n, "0")).toBeNull();
  });

  it("parses typed GBT amounts", () => {
    expect(parseGbt("12")).toBe(12n * 10n ** 18n);
    expect(parseGbt(" 0.5 ")).toBe(5n * 10n ** 17n);
    expect(parseGbt(".25")).toBe(25n * 10n ** 16n);
    expect(parseGbt("0.000000000000000001")).toBe(1n);
    for (const bad of ["", "0", "1.", "-1", "1e3", "0.0000000000000000001", "abc"]) expect(parseGbt(bad)).toBeNull();
    expect(formatGbt(parseGbt("1234.5") ?? 0n)).toBe("1,234.5");
  });
});

describe("gateway API", () => {
  it("reads credit, usage and keys, and sends the session as Bearer", async () => {
    const calls: string[] = [];
    const fetcher = (async (url: string, init: RequestInit = {}) => {
      const auth = (init.headers as Record<string, string>).authorization ?? "-";
      calls.push(`${init.method ?? "GET"} ${url} ${auth}`);
      if (url.endsWith("/api/credits/0xabc"))
        return Response.json({ account: "0xabc", fundedWei: "100", availableWei: "60", unlockAt: 0 });
      if (url.endsWith("/api/gateway/usage"))
        return Response.json({ day: 20_089, requests: 3, tokens: 50, requestsPerDay: 200, tokensPerDay: 1000 });
      if (url.endsWith("/api/keys") && init.method === "POST")
        return Response.json(
          { id: "k1", name: "bot", key: "gb_secret", prefix: "gb_sec", createdAt: 1_700_000_000 },
          { status: 201 },
        );
      if (url.endsWith("/api/keys"))
        return Response.json({
          keys: [{ id: "k1", name: "bot", prefix: "gb_sec", createdAt: 1_700_000_000_000, lastUsedAt: null }],
        });
      if (url.endsWith("/api/keys/k1")) return new Response(null, { status: 204 });
      return Response.json(openAi("invalid session"), { status: 401 });
    }) as unknown as typeof fetch;
    const api = new GatewayApi("http://r/", fetcher);
    const credits = await api.credits("0xabc");
    expect([credits.fundedWei, credits.availableWei, credits.debitedWei]).toEqual([100n, 60n, 0n]);
    expect(await api.usage("tok")).toEqual({
      day: "2025-01-01",
      requests: 3,
      tokens: 50,
      requestsPerDay: 200,
      tokensPerDay: 1000,
    });
    const created = await api.createKey("tok", "bot");
    expect([created.key, created.createdAt]).toEqual(["gb_secret", 1_700_000_000_000]);
    expect(await api.keys("tok")).toEqual([
      { id: "k1", name: "bot", prefix: "gb_sec", createdAt: 1_700_000_000_000, lastUsedAt: null },
    ]);
    await api.revokeKey("tok", "k1");
    await expect(api.catalogue()).rejects.toMatchObject({ kind: "sign-in", status: 401 });
    expect(calls).toEqual([
      "GET http://r/api/credits/0xabc -",
      "GET http://r/api/gateway/usage Bearer tok",
      "POST http://r/api/keys Bearer tok",
      "GET http://r/api/keys Bearer tok",
      "DELETE http://r/api/keys/k1 Bearer tok",
      "GET http://r/api/gateway/models -",
    ]);
  });
});
