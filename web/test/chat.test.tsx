// @vitest-environment happy-dom
import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ChatTarget, useChat } from "../src/hooks/chat.ts";
import type { GatewayModel } from "../src/lib/catalogue.ts";

/** The Authorization header a recorded request carried. */
const authorization = (call: { init: RequestInit } | undefined) =>
  (call?.init.headers as Record<string, string> | undefined)?.authorization;

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const MODEL: GatewayModel = {
  id: "sim-llm",
  label: "Sim LLM",
  priceWei: "0",
  free: true,
  nodes: 1,
  contextLength: 4096,
  minActiveNodes: 0,
  unlocked: true,
};
const TARGET: ChatTarget = { kind: "network", model: MODEL };
const encoder = new TextEncoder();
const delta = (content: string) =>
  encoder.encode(`data: ${JSON.stringify({ choices: [{ delta: { content }, finish_reason: null }] })}\n\n`);

/** A fetch whose streamed body the test writes to, chunk by chunk. */
function controllableFetch() {
  let stream!: ReadableStreamDefaultController<Uint8Array>;
  const requests: Array<{ url: string; init: RequestInit }> = [];
  let aborted = false;
  const fetcher = vi.fn(async (url: string, init: RequestInit) => {
    requests.push({ url, init });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        stream = controller;
      },
    });
    init.signal?.addEventListener("abort", () => {
      aborted = true;
      stream.error(new DOMException("aborted", "AbortError"));
    });
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  });
  return {
    fetcher,
    requests,
    write: (bytes: Uint8Array) => stream.enqueue(bytes),
    close: () => stream.close(),
    get aborted() {
      return aborted;
    },
  };
}

type Chat = ReturnType<typeof useChat>;
const mounted: Array<() => void> = [];
afterEach(() => {
  for (const unmount of mounted.splice(0)) unmount();
  vi.unstubAllGlobals();
});

type ChatOptions = Parameters<typeof useChat>[0];
const probe: { current: Chat | null } = { current: null };

function Probe({ options }: { options: ChatOptions }) {
  probe.current = useChat(options);
  return null;
}

async function renderChat(options: Partial<ChatOptions> = {}) {
  const ref = probe;
  const root = createRoot(document.createElement("div"));
  const all: ChatOptions = { base: "", token: async () => "session-token", onUnauthorized: () => {}, ...options };
  await act(async () => root.render(<Probe options={all} />));
  mounted.push(() => act(() => root.unmount()));
  return () => ref.current as Chat;
}

/** Runs `work` inside act and lets React commit what it set. */
const step = (work: () => unknown = () => {}) =>
  act(async () => {
    await work();
  });
const until = (check: () => void) => vi.waitFor(check, { timeout: 2_000, interval: 5 });

describe("useChat with a network model", () => {
  it("shows the answer as each chunk arrives, before the stream ends", async () => {
    const net = controllableFetch();
    vi.stubGlobal("fetch", net.fetcher);
    const chat = await renderChat();
    let sent: Promise<void> | undefined;
    await step(() => {
      sent = chat().send("hi", TARGET);
    });
    await until(() => expect(net.requests).toHaveLength(1));
    expect(JSON.parse(String(net.requests[0]?.init.body)).messages).toEqual([{ role: "user", content: "hi" }]);
    expect(authorization(net.requests[0])).toBe("Bearer session-token");

    await step(() => net.write(delta("Hel")));
    await until(() => expect(chat().messages.at(-1)).toMatchObject({ content: "Hel", state: "streaming" }));
    expect(chat().busy).toBe(true);
    await step(() => net.write(delta("lo")));
    await until(() => expect(chat().messages.at(-1)?.content).toBe("Hello"));

    await step(() => {
      net.write(encoder.encode("data: [DONE]\n\n"));
      net.close();
      return sent;
    });
    expect(chat().messages).toEqual([
      { role: "user", content: "hi" },
      { role: "assistant", content: "Hello", model: "Sim LLM", state: "done" },
    ]);
    expect(chat().busy).toBe(false);
    expect(chat().problem).toBeNull();
  });

  it("Stop aborts the request and keeps the text so far, marked stopped", async () => {
    const net = controllableFetch();
    vi.stubGlobal("fetch", net.fetcher);
    const chat = await renderChat();
    let sent: Promise<void> | undefined;
    await step(() => {
      sent = chat().send("count", TARGET);
    });
    await until(() => expect(net.requests).toHaveLength(1));
    await step(() => net.write(delta("one two")));
    await until(() => expect(chat().messages.at(-1)?.content).toBe("one two"));
    await step(() => {
      chat().stop();
      return sent;
    });
    expect(net.aborted).toBe(true);
    expect(chat().messages.at(-1)).toMatchObject({ content: "one two", state: "stopped" });
    expect(chat().problem).toBeNull();
    expect(chat().busy).toBe(false);
  });

  it("a 402 shows as no credit, and the empty answer is dropped", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        Response.json(
          { error: { message: "not enough credit", type: "insufficient_credit", code: "insufficient_credit" } },
          { status: 402 },
        ),
      ),
    );
    const chat = await renderChat();
    await step(() => chat().send("hi", { kind: "network", model: { ...MODEL, free: false, priceWei: "1000" } }));
    expect(chat().problem?.error).toMatchObject({ kind: "no-credit", status: 402 });
    expect(chat().problem?.model).toBe("Sim LLM");
    expect(chat().messages).toEqual([{ role: "user", content: "hi" }]);
  });

  it("an error event mid-stream keeps the partial answer, marked cut off, and says why", async () => {
    const net = controllableFetch();
    vi.stubGlobal("fetch", net.fetcher);
    const chat = await renderChat();
    let sent: Promise<void> | undefined;
    await step(() => {
      sent = chat().send("hi", TARGET);
    });
    await until(() => expect(net.requests).toHaveLength(1));
    await step(() => {
      net.write(delta("partial"));
      net.write(
        encoder.encode(
          `data: ${JSON.stringify({ error: { message: "every node failed", type: "server_error", code: "generation_failed" } })}\n\n`,
        ),
      );
      net.close();
      return sent;
    });
    expect(chat().messages.at(-1)).toMatchObject({ content: "partial", state: "failed" });
    expect(chat().problem?.error).toMatchObject({ kind: "interrupted", message: "every node failed" });
  });

  it("a refused session asks for a new sign-in", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        Response.json(
          { error: { message: "expired", type: "invalid_request_error", code: "invalid_api_key" } },
          {
            status: 401,
          },
        ),
      ),
    );
    const onUnauthorized = vi.fn();
    const chat = await renderChat({ onUnauthorized });
    await step(() => chat().send("hi", TARGET));
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(chat().problem?.error).toMatchObject({ kind: "sign-in" });
  });

  it("a free model without a wallet goes out anonymously", async () => {
    const net = controllableFetch();
    vi.stubGlobal("fetch", net.fetcher);
    const chat = await renderChat({ token: async () => null });
    let sent: Promise<void> | undefined;
    await step(() => {
      sent = chat().send("hi", TARGET);
    });
    await until(() => expect(net.requests).toHaveLength(1));
    expect(authorization(net.requests[0])).toBeUndefined();
    await step(() => {
      net.write(encoder.encode("data: [DONE]\n\n"));
      net.close();
      return sent;
    });
    expect(chat().messages.at(-1)?.state).toBe("done");
  });
});
