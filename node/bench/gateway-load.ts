// Users for `npm run bench:gateway`, in a process of their own: streaming completions over raw `fetch` and the
// server-sent events the gateway answers with (parsed here by hand: no client library between the clock and the
// socket). Two loads: "closed", `concurrency` streams at once, each user sending the next request when its answer ends,
// each answer timed from the request to its first event (the first token: the gateway sends its headers with it);
// "slow", `count` streams opened at once whose users read a chunk now and then or not at all, until told to drain.
// Messages: closed → closed; slow → opened, then drain → drained.

import { TextDecoder } from "node:util";

export interface CompletionCall {
  url: string;
  route: "chat" | "text";
  model: string;
  /** Request i sends prompts[i % length]. */
  prompts: string[];
  maxTokens: number;
}

export type LoadJob =
  | ({ type: "closed"; concurrency: number; requests: number } & CompletionCall)
  | ({ type: "slow"; count: number; slowShare: number; readEveryMs: number } & CompletionCall)
  | { type: "drain" };

export type LoadReply =
  | {
      type: "closed";
      ttftMs: number[];
      completed: number;
      failed: number;
      tokens: number;
      seconds: number;
      error?: string;
    }
  | { type: "opened"; streaming: number; refused: number; error?: string }
  | { type: "drained"; done: number; cut: number; other: number; error?: string }
  | { type: "fatal"; message: string };

const reply = (message: LoadReply) => process.send?.(message);

const PATHS = { chat: "/v1/chat/completions", text: "/v1/completions" } as const;

function post(call: CompletionCall, prompt: string): Promise<Response> {
  const body =
    call.route === "chat"
      ? { model: call.model, messages: [{ role: "user", content: prompt }] }
      : { model: call.model, prompt };
  return fetch(`${call.url}${PATHS[call.route]}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      ...body,
      max_tokens: call.maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
}

/** What an answer's events say at its end: completed (`[DONE]`, with its usage), cut for a slow client, or other. */
function outcome(text: string): { kind: "done" | "cut" | "other"; tokens: number } {
  if (text.endsWith("data: [DONE]\n\n")) {
    const tokens = /"completion_tokens":(\d+)/.exec(text.slice(-400))?.[1];
    return { kind: "done", tokens: Number(tokens ?? 0) };
  }
  return { kind: text.includes('"slow_client"') ? "cut" : "other", tokens: 0 };
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>, decoder: TextDecoder, text = "") {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
  }
}

async function closed(job: Extract<LoadJob, { type: "closed" }>): Promise<void> {
  const ttftMs: number[] = [];
  let completed = 0;
  let failed = 0;
  let tokens = 0;
  let error: string | undefined;
  let next = 0;
  const t0 = performance.now();
  const user = async () => {
    for (let i = next++; i < job.requests; i = next++) {
      const started = performance.now();
      try {
        const response = await post(job, job.prompts[i % job.prompts.length] as string);
        if (!response.body || response.status !== 200) {
          failed++;
          error ??= `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
          continue;
        }
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        const first = await reader.read();
        const firstAt = performance.now();
        const text = await readAll(reader, decoder, first.value ? decoder.decode(first.value, { stream: true }) : "");
        const result = outcome(text);
        if (result.kind !== "done") {
          failed++;
          error ??= text.slice(-300);
          continue;
        }
        ttftMs.push(firstAt - started);
        completed++;
        tokens += result.tokens;
      } catch (e) {
        failed++;
        error ??= String((e as Error).cause ?? e);
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, () => user()));
  reply({
    type: "closed",
    ttftMs,
    completed,
    failed,
    tokens,
    seconds: (performance.now() - t0) / 1000,
    ...(error ? { error } : {}),
  });
}

interface SlowStream {
  reader: ReadableStreamDefaultReader<Uint8Array>;
  decoder: TextDecoder;
  text: string;
  /** A slow reader's loop, which ends at its next read once draining. */
  reading: Promise<void>;
}

let slowStreams: SlowStream[] = [];
let draining = false;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function slow(job: Extract<LoadJob, { type: "slow" }>): Promise<void> {
  let refused = 0;
  let error: string | undefined;
  draining = false;
  const opened = await Promise.all(
    Array.from({ length: job.count }, async (_, i): Promise<SlowStream | null> => {
      try {
        const response = await post(job, job.prompts[i % job.prompts.length] as string);
        if (!response.body || response.status !== 200) {
          refused++;
          error ??= `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
          return null;
        }
        const stream: SlowStream = {
          reader: response.body.getReader(),
          decoder: new TextDecoder(),
          text: "",
          reading: Promise.resolve(),
        };
        // The first `slowShare` of the users read one chunk per interval; the others never read until drained.
        if (i < job.count * job.slowShare) {
          stream.reading = (async () => {
            while (!draining) {
              await sleep(job.readEveryMs);
              const { done, value } = await stream.reader.read();
              if (value) stream.text += stream.decoder.decode(value, { stream: true });
              if (done) return;
            }
          })().catch(() => {});
        }
        return stream;
      } catch (e) {
        refused++;
        error ??= String((e as Error).cause ?? e);
        return null;
      }
    }),
  );
  slowStreams = opened.filter((s): s is SlowStream => s !== null);
  reply({ type: "opened", streaming: slowStreams.length, refused, ...(error ? { error } : {}) });
}

async function drain(): Promise<void> {
  const counts = { done: 0, cut: 0, other: 0 };
  let error: string | undefined;
  draining = true;
  await Promise.all(
    slowStreams.map(async (stream) => {
      try {
        await stream.reading;
        const result = outcome(await readAll(stream.reader, stream.decoder, stream.text));
        counts[result.kind]++;
      } catch (e) {
        counts.other++;
        error ??= String((e as Error).cause ?? e);
      }
    }),
  );
  slowStreams = [];
  reply({ type: "drained", ...counts, ...(error ? { error } : {}) });
}

process.on("message", (job: LoadJob) => {
  const run = job.type === "closed" ? closed(job) : job.type === "slow" ? slow(job) : drain();
  run.catch((error: Error) => reply({ type: "fatal", message: error.stack ?? error.message }));
});
