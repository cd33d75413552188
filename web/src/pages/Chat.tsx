import { useEffect, useRef, useState } from "react";
import { Card, ProgressBar } from "../components/ui.tsx";
import { useStats } from "../hooks/data.ts";
import { formatBytes, formatCount } from "../lib/format.ts";
import { DEFAULT_MODEL, NETWORK_MODELS, unlockProgress } from "../mining/models.ts";
import type { LocalChat } from "../mining/webllm-engine.ts";
import { useWebGpu, WebGpuMissing } from "./Mining.tsx";

interface Message {
  role: "user" | "assistant";
  content: string;
}

export function ChatPage() {
  const gpu = useWebGpu();
  const stats = useStats();
  const active = stats.data?.activeNodes ?? 0;
  const engineRef = useRef<LocalChat | null>(null);
  const [loading, setLoading] = useState<{ value: number; text: string } | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [draft, setDraft] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(
    () => () => {
      void engineRef.current?.dispose();
      engineRef.current = null;
    },
    [],
  );

  const send = async () => {
    const text = draft.trim();
    if (!text || busy) return;
    setError(null);
    setBusy(true);
    setDraft("");
    const history: Message[] = [...messages, { role: "user", content: text }];
    setMessages([...history, { role: "assistant", content: "" }]);
    try {
      if (!engineRef.current) {
        const { LocalChat } = await import("../mining/webllm-engine.ts");
        engineRef.current = await LocalChat.load(DEFAULT_MODEL.id, (p) =>
          setLoading({ value: p.progress, text: p.text }),
        );
        setLoading(null);
      }
      await engineRef.current.reply(history, (partial) =>
        setMessages([...history, { role: "assistant", content: partial }]),
      );
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setMessages(history);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page chat">
      <div className="grid two wide-left">
        <Card
          title={`Local model · ${DEFAULT_MODEL.label}`}
          actions={<span className="tag tag-validated">free · runs in your browser</span>}
        >
          {gpu && !gpu.ok && <WebGpuMissing status={gpu} />}
          <p className="muted small">
            Private: your messages never leave this device. The first message downloads the model (
            {formatBytes(DEFAULT_MODEL.downloadBytes)}, cached afterwards).
          </p>
          <div className="messages" role="log" aria-live="polite" aria-label="Conversation">
            {messages.length === 0 && <p className="empty">Ask anything, e.g. “Explain WebGPU in one sentence.”</p>}
            {messages.map((m, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the conversation is append-only
              <div key={i} className={`bubble ${m.role}`}>
                {m.content || "…"}
              </div>
            ))}
          </div>
          {loading && <ProgressBar value={loading.value} label="Model download" />}
          {error && (
            <p className="banner bad" role="alert">
              {error}
            </p>
          )}
          <form
            className="composer"
            onSubmit={(e) => {
              e.preventDefault();
              void send();
            }}
          >
            <label className="sr-only" htmlFor="chat-input">
              Message
            </label>
            <input
              id="chat-input"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              placeholder={gpu?.ok ? "Message the local model" : "Needs WebGPU"}
              disabled={!gpu?.ok || busy}
            />
            <button type="submit" className="primary" disabled={!gpu?.ok || busy || !draft.trim()}>
              Send
            </button>
          </form>
        </Card>
        <Card title="Network models">
          <p className="muted small">
            Bigger models open as the network grows: each unlocks when enough nodes are active. Active now:{" "}
            <strong data-testid="chat-active">{formatCount(active)}</strong>.
          </p>
          <ul className="unlocks">
            {NETWORK_MODELS.map((tier) => {
              const u = unlockProgress(active, tier.threshold);
              return (
                <li key={tier.threshold} className={u.unlocked ? "unlocked" : "locked"}>
                  <div className="unlock-head">
                    <strong>{formatCount(tier.threshold)} active nodes</strong>
                    <span className={`tag ${u.unlocked ? "tag-validated" : "tag-locked"}`}>
                      {u.unlocked ? "unlocked" : `locked · ${formatCount(u.missing)} to go`}
                    </span>
                  </div>
                  <ProgressBar value={u.share} label={`Progress to ${tier.threshold} nodes`} />
                  <div className="model-list">
                    {tier.models.map((m) => (
                      <span key={m} className="chip">
                        {m}
                      </span>
                    ))}
                  </div>
                </li>
              );
            })}
          </ul>
        </Card>
      </div>
    </div>
  );
}
