import { describe, expect, it } from "vitest";
import { readSse, SseParser } from "../src/lib/sse.ts";

/** Feeds `text` in pieces cut at `cuts` and collects every event. */
function parseIn(text: string, cuts: number[]): Array<{ event: string; data: string; id?: string }> {
  const parser = new SseParser();
  const events = [];
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    events.push(...parser.push(text.slice(at, cut)));
    at = cut;
  }
  events.push(...parser.end());
  return events;
}

const STREAM =
  'data: {"choices":[{"delta":{"content":"Hel"}}]}\r\n\r\n' +
  ": keep-alive\n\n" +
  "event: note\nid: 7\ndata: line one\ndata: line two\n\n" +
  'data:{"choices":[{"delta":{"content":"lo"}}]}\r\r' +
  "data: crlf one\r\ndata: crlf two\r\n\r\n" +
  "data: [DONE]\n\n";

const EXPECTED = [
  { event: "message", data: '{"choices":[{"delta":{"content":"Hel"}}]}' },
  { event: "note", data: "line one\nline two", id: "7" },
  { event: "message", data: '{"choices":[{"delta":{"content":"lo"}}]}', id: "7" },
  { event: "message", data: "crlf one\ncrlf two", id: "7" },
  { event: "message", data: "[DONE]", id: "7" },
];

describe("SSE parser", () => {
  it("parses events, comments, multi-line data and every line ending", () => {
    expect(parseIn(STREAM, [])).toEqual(EXPECTED);
  });

  it("gives the same events however the stream is split, down to single characters", () => {
    for (let cut = 1; cut < STREAM.length; cut++) expect(parseIn(STREAM, [cut])).toEqual(EXPECTED);
    expect(
      parseIn(
        STREAM,
        [...STREAM].map((_c, i) => i + 1),
      ),
    ).toEqual(EXPECTED);
  });

  it("waits for the blank line: a split event is not dispatched early", () => {
    const parser = new SseParser();
    expect(parser.push("data: a\n")).toEqual([]);
    expect(parser.push("data: b\r")).toEqual([]);
    expect(parser.push("\n\r\n")).toEqual([{ event: "message", data: "a\nb" }]);
  });

  it("drops an event the stream ended inside of, and ignores blocks without data", () => {
    expect(parseIn("event: x\n\ndata: whole\n\ndata: cut", [])).toEqual([{ event: "message", data: "whole" }]);
    expect(parseIn("data\n\n", [])).toEqual([{ event: "message", data: "" }]);
  });

  it("reads a byte stream whose chunks split a multi-byte character", async () => {
    const encoder = new TextEncoder();
    const bytes = encoder.encode('data: {"t":"héllo ✓"}\n\ndata: [DONE]\n\n');
    // One byte into "é" (2 bytes) and two bytes into "✓" (3 bytes).
    const insideE = encoder.encode('data: {"t":"h').length + 1;
    const insideCheck = encoder.encode('data: {"t":"héllo ').length + 2;
    const cuts = [0, insideE, insideCheck, bytes.length];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 1; i < cuts.length; i++) controller.enqueue(bytes.slice(cuts[i - 1], cuts[i]));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readSse(body)) events.push(event.data);
    expect(events).toEqual(['{"t":"héllo ✓"}', "[DONE]"]);
  });
});
