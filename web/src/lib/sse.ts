/**
 * Server-sent events (the WHATWG `text/event-stream` format) read from a fetch body, for the gateway's streamed chat
 * completions. `EventSource` cannot send a POST body or an `Authorization` header, so the stream is read with
 * `fetch` and parsed here. Chunks may split anywhere: inside a line, between `\r` and `\n`, inside a multi-byte
 * character (the decoder keeps it whole).
 */

export interface SseEvent {
  /** `event:` field; "message" when the event names none. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  id?: string;
}

/** Incremental parser: feed text as it arrives, get the events each feed completed. */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event = "";
  private id: string | undefined;
  private sawData = false;

  push(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const end = this.buffer.search(/[\r\n]/);
      if (end < 0) break;
      // A "\r" at the very end may be the first half of "\r\n": wait for the next chunk to know.
      if (this.buffer[end] === "\r" && end === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, end);
      const width = this.buffer.startsWith("\r\n", end) ? 2 : 1;
      this.buffer = this.buffer.slice(end + width);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  /**
   * The stream ended. An event without its closing blank line is incomplete and dropped, as the format says: the
   * caller sees a stream that never said it was done.
   */
  end(): SseEvent[] {
    this.buffer = "";
    this.reset();
    return [];
  }

  private line(line: string): SseEvent | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null; // a comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      this.data.push(value);
      this.sawData = true;
    } else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
    return null;
  }

  private dispatch(): SseEvent | null {
    if (!this.sawData) {
      this.reset();
      return null;
    }
    const event: SseEvent = { event: this.event || "message", data: this.data.join("\n") };
    if (this.id !== undefined) event.id = this.id;
    this.reset();
    return event;
  }

  private reset(): void {
    this.data = [];
    this.event = "";
    this.sawData = false;
  }
}

/** The events of a response body, in order, as they arrive; ends with the body. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    // Stops the download when the consumer leaves early (an error event, a Stop).
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
