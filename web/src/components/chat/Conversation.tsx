import { useEffect, useRef, useState } from "react";
import type { ChatMessage } from "../../hooks/chat.ts";

const STATE_NOTE: Partial<Record<NonNullable<ChatMessage["state"]>, string>> = {
  stopped: "stopped",
  failed: "cut off",
};

/** The messages as they stream in, and the composer with Send (Stop while an answer streams). */
export function Conversation({
  messages,
  busy,
  canSend,
  placeholder,
  onSend,
  onStop,
}: {
  messages: ChatMessage[];
  busy: boolean;
  /** The picked model can answer now. */
  canSend: boolean;
  placeholder: string;
  onSend(text: string): void;
  onStop(): void;
}) {
  const [draft, setDraft] = useState("");
  const log = useRef<HTMLDivElement>(null);
  const last = messages.at(-1)?.content.length ?? 0;
  // Follow the answer as it grows (the reader scrolled up keeps their place only once it is done).
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-run on every new chunk of text
  useEffect(() => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, last]);
  return (
    <>
      <div className="messages" role="log" aria-live="polite" aria-label="Conversation" ref={log}>
        {messages.length === 0 && <p className="empty">Ask anything, e.g. “Explain WebGPU in one sentence.”</p>}
        {messages.map((m, i) => (
          <div
            // biome-ignore lint/suspicious/noArrayIndexKey: the conversation is append-only
            key={i}
            className={`bubble ${m.role} ${m.state ?? ""}`}
            data-testid={m.role === "assistant" ? "answer" : undefined}
            data-state={m.state}
          >
            {m.role === "assistant" && m.model && <span className="bubble-model">{m.model}</span>}
            {m.content || (m.state === "streaming" ? "…" : "")}
            {m.state && STATE_NOTE[m.state] && <span className="bubble-note"> · {STATE_NOTE[m.state]}</span>}
          </div>
        ))}
      </div>
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault();
          if (!draft.trim() || busy || !canSend) return;
          onSend(draft);
          setDraft("");
        }}
      >
        <label className="sr-only" htmlFor="chat-input">
          Message
        </label>
        <input
          id="chat-input"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder={placeholder}
          disabled={!canSend}
        />
        {busy ? (
          <button type="button" onClick={onStop} data-testid="chat-stop">
            Stop
          </button>
        ) : (
          <button type="submit" className="primary" disabled={!canSend || !draft.trim()}>
            Send
          </button>
        )}
      </form>
    </>
  );
}
