/**
 * One conversation, answered turn by turn by the model picked for that turn: the local model (nothing leaves the
 * device: web-llm in a worker where WebGPU works, else llama.cpp in WebAssembly on the CPU) or a network model (streamed from the relayer's gateway, works in any
 * browser). Stop ends the answer where it is: the local engine is interrupted, the network request is aborted
 * (the relayer then cancels the node's generation).
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { GatewayModel } from "../lib/catalogue.ts";
import { type ChatTurn, streamChatCompletion } from "../lib/chat-completions.ts";
import { GatewayError } from "../lib/gateway-errors.ts";
import { type LocalChat, type LocalModel, loadLocalChat } from "../mining/local-chat.ts";

export type ChatTarget = { kind: "local"; local: LocalModel } | { kind: "network"; model: GatewayModel };

export interface ChatMessage {
  role: "user" | "assistant";
  content: string;
  /** The model's label (assistant turns). */
  model?: string;
  /** streaming → done, or stopped by the user, or failed (the text so far stays, marked). */
  state?: "streaming" | "done" | "stopped" | "failed";
}

export interface ChatProblem {
  error: GatewayError | Error;
  model: string;
  /** The turn went out without a wallet session. */
  anonymous: boolean;
}

export function useChat(options: {
  /** Relayer base URL (empty: same origin). */
  base: string;
  /** The Bearer token for a network model (null: anonymous); may sign in, or throw when it cannot. */
  token(model: GatewayModel): Promise<string | null>;
  /** The relayer refused the token. */
  onUnauthorized(): void;
}) {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ChatProblem | null>(null);
  const [loading, setLoading] = useState<{ value: number; text: string } | null>(null);
  /** The loaded local engine and the model it runs (a different local model loads another). */
  const engineRef = useRef<{ chat: LocalChat; local: LocalModel } | null>(null);
  const stopRef = useRef<(() => void) | null>(null);
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(
    () => () => {
      stopRef.current?.();
      void engineRef.current?.chat.dispose();
      engineRef.current = null;
    },
    [],
  );

  const send = useCallback(
    async (text: string, target: ChatTarget) => {
      const prompt = text.trim();
      if (!prompt || busy) return;
      setProblem(null);
      setBusy(true);
      const label = target.kind === "local" ? target.local.model.label : target.model.label;
      // Earlier answers that failed empty are not context for the next one.
      const history: ChatMessage[] = [...messages.filter((m) => m.content), { role: "user", content: prompt }];
      const turns: ChatTurn[] = history.map(({ role, content }) => ({ role, content }));
      const setAnswer = (content: string, state: ChatMessage["state"]) =>
        setMessages([...history, { role: "assistant", content, model: label, state }]);
      setAnswer("", "streaming");
      let partial = "";
      let stopped = false;
      let anonymous = false;
      try {
        if (target.kind === "local") {
          const { local } = target;
          const loaded = engineRef.current;
          if (loaded?.local.engine !== local.engine || loaded.local.model.id !== local.model.id) {
            engineRef.current = null;
            await loaded?.chat.dispose();
            const chat = await loadLocalChat(local, (p) => setLoading({ value: p.progress, text: p.text }));
            engineRef.current = { chat, local };
            setLoading(null);
          }
          const engine = (engineRef.current as { chat: LocalChat }).chat;
          stopRef.current = () => {
            stopped = true;
            engine.interrupt();
          };
          partial = await engine.reply(turns, (t) => {
            partial = t;
            setAnswer(t, "streaming");
          });
        } else {
          const controller = new AbortController();
          stopRef.current = () => {
            stopped = true;
            controller.abort();
          };
          const token = await optionsRef.current.token(target.model);
          anonymous = token === null;
          if (stopped) throw new DOMException("stopped", "AbortError");
          const answer = await streamChatCompletion({
            base: optionsRef.current.base,
            token,
            model: target.model.id,
            messages: turns,
            signal: controller.signal,
            onText: (t) => {
              partial = t;
              setAnswer(t, "streaming");
            },
          });
          partial = answer.text;
        }
        setAnswer(partial, stopped ? "stopped" : "done");
      } catch (error) {
        if (stopped) {
          setAnswer(partial, "stopped");
        } else {
          const failure = error instanceof Error ? error : new Error(String(error));
          if (failure instanceof GatewayError && failure.kind === "sign-in") optionsRef.current.onUnauthorized();
          setProblem({ error: failure, model: label, anonymous });
          if (partial) setAnswer(partial, "failed");
          else setMessages(history);
        }
      } finally {
        stopRef.current = null;
        setLoading(null);
        setBusy(false);
      }
    },
    [busy, messages],
  );

  const stop = useCallback(() => stopRef.current?.(), []);
  const clear = useCallback(() => {
    if (busy) return;
    setMessages([]);
    setProblem(null);
  }, [busy]);

  return { messages, busy, problem, loading, send, stop, clear, dismissProblem: () => setProblem(null) };
}
