/**
 * The browser node at app level: one per tab, mounted once around the whole app (main.tsx), so it keeps running
 * whichever page is shown. Its NodeClient and engine run in a Web Worker (./node.worker.ts); this provider starts and
 * stops that worker, runs the wallet's signing requests for it, folds its events into the session state
 * (./session-state.ts) and exposes both through `useBrowserNode()`.
 *
 * It stops by itself when the wallet disconnects or changes, when consent for the running engine is withdrawn, and
 * at the daily inference limit (status `paused-limit`). It resumes after a reload when the user left it running
 * (./wanted-running.ts), the same wallet reconnects and consent still stands.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { Address } from "viem";
import { useAccount } from "wagmi";
import { useApp } from "../context.tsx";
import { useProfile } from "../hooks/data.ts";
import { dailyLimit, readConsent } from "../lib/consent.ts";
import { localeCountry } from "../mining/browser-node.ts";
import { consentAllows } from "./consent-gate.ts";
import NodeWorker from "./node.worker.ts?worker";
import type { EngineSpec, FromWorker, ToWorker } from "./protocol.ts";
import { applyWorkerEvent, type SessionState, STOPPED, startingSession } from "./session-state.ts";
import { readWantedRunning, writeWantedRunning } from "./wanted-running.ts";

/** How long a stopping worker may take to close its connection before it is terminated anyway. */
const STOP_GRACE_MS = 5_000;
/** How often consent is re-read while running: it can be withdrawn from any page (or another tab). */
const CONSENT_CHECK_MS = 2_000;

export interface StartOptions {
  engine: EngineSpec;
  /** The publisher placement this session runs in (the widget, web/src/embed): the publisher earns its share. */
  placement?: string;
}

export interface BrowserNode extends SessionState {
  /** The wallet the running node signed in with. */
  address: Address | null;
  start(options: StartOptions): Promise<void>;
  stop(): Promise<void>;
}

interface Eip1193 {
  request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown>;
}

interface RunningWorker {
  worker: Worker;
  address: Address;
  engine: EngineSpec;
  /** Resolves a pending stop() once the worker says it stopped. */
  stopped?: () => void;
}

const BrowserNodeContext = createContext<BrowserNode | null>(null);

export function useBrowserNode(): BrowserNode {
  const value = useContext(BrowserNodeContext);
  if (!value) throw new Error("useBrowserNode outside BrowserNodeProvider");
  return value;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function BrowserNodeProvider({ children }: { children: ReactNode }) {
  const { address, connector, status: accountStatus } = useAccount();
  const { runtime } = useApp();
  const [state, setState] = useState<SessionState>(STOPPED);
  const running = useRef<RunningWorker | null>(null);
  /** The running session's wallet and engine, as state (the ref is for callbacks; this is for rendering). */
  const [current, setRunning] = useState<{ address: Address; engine: EngineSpec } | null>(null);
  const resumeTried = useRef(false);

  const end = useCallback((session: RunningWorker) => {
    session.worker.terminate();
    session.stopped?.();
    if (running.current === session) {
      running.current = null;
      setRunning(null);
    }
  }, []);

  const halt = useCallback(
    async (final: "stopped" | "paused-limit") => {
      writeWantedRunning(null);
      const session = running.current;
      // Forgotten at once, so a start still waiting for the wallet's provider sees it was cancelled.
      running.current = null;
      if (session) {
        await new Promise<void>((resolve) => {
          const grace = setTimeout(resolve, STOP_GRACE_MS);
          session.stopped = () => {
            clearTimeout(grace);
            resolve();
          };
          session.worker.postMessage({ type: "stop" } satisfies ToWorker);
        });
        end(session);
      }
      setRunning(null);
      setState((s) => ({ ...s, status: final, progress: null }));
    },
    [end],
  );

  const stop = useCallback(() => halt("stopped"), [halt]);

  const start = useCallback(
    async ({ engine, placement }: StartOptions) => {
      if (running.current) throw new Error("the browser node is already running: stop it first");
      if (!address || !connector) throw new Error("Connect a wallet first: the node signs in to the relayer with it.");
      if (!consentAllows(readConsent(), engine.kind)) {
        throw new Error(`Running the ${engine.kind === "wasm" ? "CPU" : "GPU"} engine needs your consent first.`);
      }
      const session: RunningWorker = { worker: new NodeWorker({ name: "gitblock-browser-node" }), address, engine };
      running.current = session;
      setRunning({ address, engine });
      setState(startingSession(Date.now()));
      let provider: Eip1193;
      try {
        provider = (await connector.getProvider()) as Eip1193;
      } catch (error) {
        end(session);
        setState((s) => ({ ...s, status: "error", error: `the wallet is not reachable: ${errorText(error)}` }));
        return;
      }
      if (running.current !== session) return;
      const post = (message: ToWorker) => session.worker.postMessage(message);
      session.worker.onmessage = (event: MessageEvent<FromWorker>) => {
        const message = event.data;
        if (message.type === "rpc") {
          provider
            .request({ method: message.method, ...(message.params !== undefined ? { params: message.params } : {}) })
            .then(
              (result) => post({ type: "rpc-result", id: message.id, result }),
              (error: unknown) => post({ type: "rpc-result", id: message.id, error: errorText(error) }),
            );
          return;
        }
        setState((s) => applyWorkerEvent(s, message));
        if (message.type === "status" && (message.status === "stopped" || message.status === "error")) {
          if (message.status === "error") writeWantedRunning(null);
          end(session);
        }
      };
      session.worker.onerror = (event) => {
        event.preventDefault();
        writeWantedRunning(null);
        end(session);
        setState((s) => ({ ...s, status: "error", error: `the browser node's worker failed: ${event.message}` }));
      };
      writeWantedRunning({ address, engine });
      const country = localeCountry();
      post({
        type: "start",
        relayer: runtime.relayer || window.location.origin,
        address,
        engine,
        ...(country ? { country } : {}),
        ...(placement ? { placement } : {}),
      });
    },
    [address, connector, runtime.relayer, end],
  );

  // After a reload: start again what the user left running, once the same wallet has reconnected (wagmi reconnects
  // after the first render, so "not connected yet" is no reason to forget it).
  useEffect(() => {
    if (resumeTried.current || accountStatus !== "connected" || !address) return;
    resumeTried.current = true;
    const wanted = readWantedRunning();
    if (!wanted || running.current) return;
    if (wanted.address !== address || !consentAllows(readConsent(), wanted.engine.kind)) {
      writeWantedRunning(null);
      return;
    }
    start({ engine: wanted.engine }).catch((error: unknown) =>
      setState((s) => ({ ...s, status: "error", error: errorText(error) })),
    );
  }, [accountStatus, address, start]);

  // The wallet went away or changed: this node signs for the wallet it started with only.
  useEffect(() => {
    const session = running.current;
    if (!session) return;
    if (accountStatus === "disconnected" || (address && address !== session.address)) void stop();
  }, [accountStatus, address, stop]);

  // Consent withdrawn (on any page, or in another tab): stop.
  const engineKind = current?.engine.kind ?? null;
  useEffect(() => {
    if (!engineKind || engineKind === "simulation") return;
    const check = () => {
      if (!consentAllows(readConsent(), engineKind)) void stop();
    };
    window.addEventListener("storage", check);
    const timer = setInterval(check, CONSENT_CHECK_MS);
    return () => {
      window.removeEventListener("storage", check);
      clearInterval(timer);
    };
  }, [engineKind, stop]);

  // The daily inference limit (the relayer counts inference time on final tasks): pause for the day.
  const profile = useProfile(current?.address);
  const usedToday = profile.data?.gpuSecondsToday ?? 0;
  useEffect(() => {
    if (state.status !== "running" || !engineKind || engineKind === "simulation") return;
    if (usedToday >= dailyLimit(readConsent())) void halt("paused-limit");
  }, [state.status, engineKind, usedToday, halt]);

  const value = useMemo<BrowserNode>(
    () => ({ ...state, address: current?.address ?? null, start, stop }),
    [state, current, start, stop],
  );
  return <BrowserNodeContext.Provider value={value}>{children}</BrowserNodeContext.Provider>;
}
