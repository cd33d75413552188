import { useCallback, useEffect, useRef, useState } from "react";
import { useAccount } from "wagmi";
import { Card, ConnectPrompt, Empty, ProgressBar, Stat } from "../components/ui.tsx";
import { WebGpuMissing } from "../components/WebGpuMissing.tsx";
import { useApp, useDeployment } from "../context.tsx";
import { useProfile } from "../hooks/data.ts";
import { useWebGpu } from "../hooks/webgpu.ts";
import { DEFAULT_DAILY_GPU_SECONDS, type MiningConsent, readConsent, writeConsent } from "../lib/consent.ts";
import { formatBytes, formatGbt, formatSeconds } from "../lib/format.ts";
import { BROWSER_MODELS, DEFAULT_MODEL } from "../mining/models.ts";

type NodeState = "stopped" | "loading" | "signing-in" | "running" | "paused-limit" | "error";

interface RecentTask {
  id: string;
  state: "processing" | "accepted" | "rejected" | "timed out";
  at: number;
  rewardWei?: string;
}

export function MiningPage() {
  const { address, connector } = useAccount();
  const { runtime } = useApp();
  const deployment = useDeployment();
  const [simulated, setSimulated] = useState(false);
  const profile = useProfile(address);
  const gpu = useWebGpu();
  const [consent, setConsent] = useState<MiningConsent | null>(() => readConsent());
  const [draftLimitMin, setDraftLimitMin] = useState(
    Math.round((consent?.dailyGpuSeconds ?? DEFAULT_DAILY_GPU_SECONDS) / 60),
  );
  const [agreeGpu, setAgreeGpu] = useState(false);
  const [agreeStorage, setAgreeStorage] = useState(false);
  const [modelId, setModelId] = useState(DEFAULT_MODEL.id);
  const [cached, setCached] = useState<boolean | null>(null);
  const [state, setState] = useState<NodeState>("stopped");
  const [progress, setProgress] = useState<{ value: number; text: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [recent, setRecent] = useState<RecentTask[]>([]);
  const [earned, setEarned] = useState(0n);
  const stopRef = useRef<(() => Promise<void>) | null>(null);
  const model = BROWSER_MODELS.find((m) => m.id === modelId) ?? DEFAULT_MODEL;

  useEffect(() => {
    if (!gpu?.ok) return;
    let live = true;
    import("../mining/webllm-engine.ts")
      .then(({ isModelCached }) => isModelCached(modelId))
      .then((c) => live && setCached(c))
      .catch(() => live && setCached(false));
    return () => {
      live = false;
    };
  }, [gpu, modelId]);

  useEffect(() => () => void stopRef.current?.(), []);

  const stop = useCallback(async () => {
    await stopRef.current?.();
    stopRef.current = null;
    setState("stopped");
  }, []);

  const limit = consent?.dailyGpuSeconds ?? DEFAULT_DAILY_GPU_SECONDS;
  const usedToday = profile.data?.gpuSecondsToday ?? 0;
  useEffect(() => {
    if (state === "running" && usedToday >= limit) {
      void stopRef.current?.().then(() => setState("paused-limit"));
    }
  }, [state, usedToday, limit]);

  /**
   * Starts the node. `simulation`: local networks only, for machines without WebGPU — the SDK's simulation engine
   * (no model runs; labelled as a simulation everywhere) so the rest of the flow can be tried end to end.
   */
  const start = async (simulation = false) => {
    if (!address || !connector || !consent || (!gpu?.ok && !simulation)) return;
    setError(null);
    setState("loading");
    setSimulated(simulation);
    try {
      const { startBrowserNode, localeCountry } = await import("../mining/browser-node.ts");
      let engine: import("@gitblock/sdk").Engine;
      if (simulation) {
        const { SimulationEngine } = await import("@gitblock/sdk/engines/simulation");
        engine = new SimulationEngine({ latencyMs: 150 });
      } else {
        const { loadMiningEngine } = await import("../mining/webllm-engine.ts");
        engine = await loadMiningEngine(modelId, (p) => setProgress({ value: p.progress, text: p.text }));
        setCached(true);
      }
      setState("signing-in");
      const provider = (await connector.getProvider()) as Parameters<typeof startBrowserNode>[0]["provider"];
      const country = localeCountry();
      const client = await startBrowserNode({
        relayer: runtime.relayer,
        provider,
        address,
        engine,
        ...(country ? { country } : {}),
      });
      const offs = [
        client.on("task", (task) =>
          setRecent((r) => [{ id: task.taskId, state: "processing" as const, at: Date.now() }, ...r].slice(0, 20)),
        ),
        client.on("verdict", (v) =>
          setRecent((r) =>
            r.map((t) =>
              t.id === v.taskId
                ? {
                    ...t,
                    state: v.outcome === "correct" ? "accepted" : v.outcome === "timeout" ? "timed out" : "rejected",
                    rewardWei: v.rewardWei,
                  }
                : t,
            ),
          ),
        ),
        client.on("balance", (b) => setEarned(b.earnedWei)),
      ];
      stopRef.current = async () => {
        for (const off of offs) off();
        await client.stop();
        await engine.dispose();
      };
      setState("running");
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setState("error");
    }
  };

  const accept = () => {
    const next: MiningConsent = {
      gpu: true,
      storage: true,
      dailyGpuSeconds: Math.max(60, draftLimitMin * 60),
      acceptedAt: Date.now(),
    };
    writeConsent(next);
    setConsent(next);
  };

  return (
    <div className="page mining">
      <Card title="1 · Your GPU">
        {gpu === null ? (
          <p className="muted">Checking for WebGPU…</p>
        ) : gpu.ok ? (
          <p data-testid="webgpu-ok">
            WebGPU is available: <strong>{gpu.adapter}</strong>. Your browser can run the model on this GPU.
          </p>
        ) : (
          <WebGpuMissing status={gpu} />
        )}
      </Card>

      <Card title="2 · What you allow">
        {consent ? (
          <div className="consent-done">
            <p>
              You allowed GitBlock to use this browser's GPU for up to{" "}
              <strong>{formatSeconds(consent.dailyGpuSeconds)}</strong> of inference a day and to keep the model in the
              browser cache. You can pause any time; nothing runs while this tab is closed.
            </p>
            <button
              type="button"
              onClick={() => {
                writeConsent(null);
                setConsent(null);
                void stop();
              }}
            >
              Withdraw consent
            </button>
          </div>
        ) : (
          <form
            className="consent"
            onSubmit={(e) => {
              e.preventDefault();
              accept();
            }}
            aria-label="Mining consent"
          >
            <label>
              <input type="checkbox" checked={agreeGpu} onChange={(e) => setAgreeGpu(e.target.checked)} required /> Use
              my GPU (through WebGPU) to run small AI tasks for the network while this tab is open
            </label>
            <label>
              <input
                type="checkbox"
                checked={agreeStorage}
                onChange={(e) => setAgreeStorage(e.target.checked)}
                required
              />{" "}
              Download the model once ({formatBytes(model.downloadBytes)}) and keep it in this browser's cache
            </label>
            <label className="inline">
              Daily GPU limit{" "}
              <input
                type="number"
                min={1}
                max={1440}
                value={draftLimitMin}
                onChange={(e) => setDraftLimitMin(Number(e.target.value) || 1)}
                aria-label="Daily GPU limit in minutes"
              />{" "}
              minutes of inference per day
            </label>
            <p className="muted small">
              Mining stops by itself at the limit. Stop or pause any time with one click. Task inputs are anonymous
              prompts; nothing from your computer is sent except results.
            </p>
            <button type="submit" className="primary" disabled={!agreeGpu || !agreeStorage}>
              I agree
            </button>
          </form>
        )}
      </Card>

      <Card title="3 · Run the node">
        {!address ? (
          <ConnectPrompt what="earn GBT with this browser" />
        ) : (
          <>
            <div className="grid two compact">
              <label className="field">
                Model
                <select
                  value={modelId}
                  onChange={(e) => setModelId(e.target.value)}
                  disabled={state !== "stopped" && state !== "error"}
                >
                  {BROWSER_MODELS.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.label} · {formatBytes(m.downloadBytes)}
                    </option>
                  ))}
                </select>
              </label>
              <p className="muted small">
                Download: <strong>{formatBytes(model.downloadBytes)}</strong>{" "}
                {cached ? "(already cached: starts at once)" : "(once; cached afterwards)"} · needs about{" "}
                {formatBytes(model.gpuBytes)} of GPU memory.
              </p>
            </div>
            {progress && state === "loading" && (
              <div>
                <ProgressBar value={progress.value} label="Model download" />
                <p className="muted small">{progress.text}</p>
              </div>
            )}
            <div className="actions">
              {state === "running" || state === "signing-in" || state === "loading" ? (
                <button type="button" onClick={stop}>
                  {state === "running" ? "Stop (pause mining)" : "Cancel"}
                </button>
              ) : (
                <>
                  <button
                    type="button"
                    className="primary"
                    data-testid="start-mining"
                    disabled={!gpu?.ok || !consent}
                    onClick={() => start(false)}
                  >
                    Start mining
                  </button>
                  {deployment?.local && gpu !== null && !gpu.ok && (
                    <button
                      type="button"
                      data-testid="start-simulation"
                      disabled={!consent}
                      onClick={() => start(true)}
                      title="Local networks only: no model runs"
                    >
                      Run a simulated node (local network)
                    </button>
                  )}
                </>
              )}
              {simulated && state === "running" && (
                <span className="tag tag-open" data-testid="simulation-label">
                  SIMULATION · no model runs
                </span>
              )}
              <span className={`status-badge status-${state}`} data-testid="mining-state">
                {state === "paused-limit" ? "paused: daily limit reached" : state.replace("-", " ")}
              </span>
            </div>
            {!gpu?.ok && gpu !== null && !simulated && <p className="muted small">Mining needs WebGPU (see step 1).</p>}
            {error && (
              <p className="banner bad" role="alert">
                {error}
              </p>
            )}
            <div className="grid three compact">
              <Stat label="Earned this session" value={`${formatGbt(earned)} GBT`} />
              <Stat label="GPU today" value={`${formatSeconds(usedToday)} / ${formatSeconds(limit)}`} />
              <Stat label="Tasks this session" value={String(recent.length)} />
            </div>
          </>
        )}
      </Card>

      <Card title="Recent tasks">
        {recent.length > 0 ? (
          <ul className="timeline">
            {recent.map((t) => (
              <li key={t.id}>
                <span className={`tag tag-${t.state.replace(" ", "-")}`}>{t.state}</span>{" "}
                <code>{t.id.slice(0, 10)}</code>
                {t.rewardWei && t.rewardWei !== "0" ? ` · +${formatGbt(t.rewardWei)} GBT` : ""}
              </li>
            ))}
          </ul>
        ) : (
          <Empty>Tasks show here as they arrive: processing, then accepted or rejected.</Empty>
        )}
      </Card>
    </div>
  );
}
