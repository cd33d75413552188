/**
 * The Mining page: choose the engine, give consent for the hardware it uses, start the browser node, and watch the
 * active session. The node itself lives at app level (web/src/node-runtime/): leaving this page does not stop it.
 *
 * Engines: WebGPU (web-llm) when the browser has it, else the CPU (WebAssembly); the simulation only on local
 * networks, for demos — no model runs, so in simulation nothing about downloads, GPU consent or WebGPU shows.
 */
import "../node-runtime/node-runtime.css";
import { useEffect, useState } from "react";
import { useAccount } from "wagmi";
import { Card, ConnectPrompt, ProgressBar, Stat } from "../components/ui.tsx";
import { WebGpuMissing } from "../components/WebGpuMissing.tsx";
import { useApp, useDeployment } from "../context.tsx";
import { useProfile } from "../hooks/data.ts";
import { useWebGpu } from "../hooks/webgpu.ts";
import { dailyLimit, type MiningConsent, readConsent } from "../lib/consent.ts";
import { formatBytes, formatGbt, formatSeconds } from "../lib/format.ts";
import { BROWSER_MODELS, DEFAULT_MODEL, wasmModelsOf } from "../mining/models.ts";
import { ActiveSessionPanel } from "../node-runtime/ActiveSessionPanel.tsx";
import { useBrowserNode } from "../node-runtime/BrowserNodeProvider.tsx";
import { consentAllows } from "../node-runtime/consent-gate.ts";
import { HardwareConsent } from "../node-runtime/HardwareConsent.tsx";
import type { EngineKind, EngineSpec } from "../node-runtime/protocol.ts";
import { RecentTasks } from "../node-runtime/RecentTasks.tsx";
import { isActive, SIMULATION_LABEL, statusText, taskCount } from "../node-runtime/status-text.ts";

export function MiningPage() {
  const { address } = useAccount();
  const deployment = useDeployment();
  const { runtime } = useApp();
  const wasmModels = wasmModelsOf(runtime);
  const node = useBrowserNode();
  const profile = useProfile(address);
  const gpu = useWebGpu();
  const [consent, setConsent] = useState<MiningConsent | null>(() => readConsent());
  const [chosen, setChosen] = useState<EngineKind | null>(null);
  const [modelId, setModelId] = useState(DEFAULT_MODEL.id);
  const [wasmModelId, setWasmModelId] = useState(wasmModels[0]?.id ?? "");
  const [cached, setCached] = useState<boolean | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const simulationOffered = deployment?.local === true;
  // WebGPU when the browser has it, else the CPU; a running session shows the engine it runs.
  const kind: EngineKind =
    (isActive(node.status) ? node.engine?.kind : null) ?? chosen ?? (gpu?.ok ? "webgpu" : "wasm");
  const model = BROWSER_MODELS.find((m) => m.id === modelId) ?? DEFAULT_MODEL;
  const wasmModel = wasmModels.find((m) => m.id === wasmModelId) ?? wasmModels[0];
  const busy = isActive(node.status);

  useEffect(() => {
    if (!gpu?.ok || kind !== "webgpu") return;
    let live = true;
    import("../mining/webllm-engine.ts")
      .then(({ isModelCached }) => isModelCached(modelId))
      .then((c) => live && setCached(c))
      .catch(() => live && setCached(false));
    return () => {
      live = false;
    };
  }, [gpu, kind, modelId]);

  const spec = (): EngineSpec => {
    if (kind === "webgpu") return { kind, modelId };
    if (kind === "wasm") {
      if (!wasmModel) throw new Error("this deployment offers no model for the CPU engine");
      return {
        kind,
        modelId: wasmModel.id,
        modelUrl: wasmModel.url,
        ...(consent?.cpu ? { threads: consent.cpuThreads } : {}),
      };
    }
    return { kind, modelId: "sim-llm" };
  };

  const start = () => {
    setStartError(null);
    Promise.resolve()
      .then(() => node.start({ engine: spec() }))
      .catch((e: unknown) => setStartError(e instanceof Error ? e.message : String(e)));
  };

  const limit = dailyLimit(consent);
  const usedToday = profile.data?.gpuSecondsToday ?? 0;
  const canStart = Boolean(address) && !busy && (gpu !== null || kind === "simulation") && consentAllows(consent, kind);
  const error = startError ?? node.error;

  return (
    <div className="page mining">
      {node.status !== "stopped" && <ActiveSessionPanel />}

      <Card title="1 · Engine">
        <fieldset className="engine-choice" disabled={busy} aria-label="Engine">
          <label>
            <input
              type="radio"
              name="engine"
              value="webgpu"
              checked={kind === "webgpu"}
              disabled={!gpu?.ok}
              onChange={() => setChosen("webgpu")}
            />{" "}
            GPU · WebGPU (web-llm){" "}
            {gpu === null ? (
              <span className="muted">checking…</span>
            ) : gpu.ok ? (
              <span data-testid="webgpu-ok">
                on <strong>{gpu.adapter}</strong>
              </span>
            ) : (
              <span className="muted">not available in this browser</span>
            )}
          </label>
          <label>
            <input
              type="radio"
              name="engine"
              value="wasm"
              checked={kind === "wasm"}
              onChange={() => setChosen("wasm")}
            />{" "}
            CPU · WebAssembly (llama.cpp) — slower, works in any current browser
          </label>
          {simulationOffered && (
            <label>
              <input
                type="radio"
                name="engine"
                value="simulation"
                checked={kind === "simulation"}
                onChange={() => setChosen("simulation")}
                data-testid="engine-simulation"
              />{" "}
              <span className="tag tag-open">{SIMULATION_LABEL}</span> local network only: a demo of the whole flow
            </label>
          )}
        </fieldset>
        {kind !== "simulation" && gpu && !gpu.ok && (
          // Open at first: it says why the GPU option is greyed out and how to get it; one click folds it away.
          <details open>
            <summary className="muted small">Why no GPU?</summary>
            <WebGpuMissing status={gpu} />
          </details>
        )}
        {kind === "webgpu" && (
          <div className="grid two compact">
            <label className="field">
              Model
              <select value={modelId} onChange={(e) => setModelId(e.target.value)} disabled={busy}>
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
        )}
        {kind === "wasm" && wasmModel && (
          <div className="grid two compact">
            <label className="field">
              Model
              <select value={wasmModel.id} onChange={(e) => setWasmModelId(e.target.value)} disabled={busy}>
                {wasmModels.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.label} · {formatBytes(m.bytes)}
                  </option>
                ))}
              </select>
            </label>
            <p className="muted small">
              Download: <strong>{formatBytes(wasmModel.bytes)}</strong> (once; cached afterwards) · runs on{" "}
              {consent?.cpu ? `${consent.cpuThreads} CPU threads` : "the CPU threads you allow below"}.
            </p>
          </div>
        )}
        {kind === "simulation" && (
          <p className="muted small" data-testid="simulation-note">
            The simulation runs no model: nothing is downloaded and neither your GPU nor your CPU does any work, so it
            needs no hardware consent. Its tasks and verdicts are real protocol traffic on the local network.
          </p>
        )}
      </Card>

      {kind !== "simulation" && (
        <Card title="2 · What you allow">
          <HardwareConsent
            kind={kind}
            downloadBytes={kind === "webgpu" ? model.downloadBytes : (wasmModel?.bytes ?? null)}
            consent={consent}
            onChange={(next) => {
              setConsent(next);
              if (!next && node.engine && !node.engine.simulated) void node.stop();
            }}
          />
        </Card>
      )}

      <Card title={kind === "simulation" ? "2 · Run the node" : "3 · Run the node"}>
        {!address && (
          <>
            <p className="muted">Starting needs a wallet: the node signs in to the relayer with it, and earns to it.</p>
            <ConnectPrompt what="earn GBT with this browser" />
          </>
        )}
        {node.progress && node.status === "loading" && (
          <div>
            <ProgressBar value={node.progress.value} label="Model download" />
            <p className="muted small">{node.progress.text}</p>
          </div>
        )}
        <div className="actions">
          {busy ? (
            <button type="button" onClick={() => void node.stop()}>
              {node.status === "running" ? "Stop (pause mining)" : "Cancel"}
            </button>
          ) : (
            <button
              type="button"
              className="primary"
              data-testid={kind === "simulation" ? "start-simulation" : "start-mining"}
              disabled={!canStart}
              onClick={start}
            >
              {kind === "simulation" ? "Start the simulated node" : "Start mining"}
            </button>
          )}
          {node.engine?.simulated && busy && (
            <span className="tag tag-open" data-testid="simulation-label">
              {SIMULATION_LABEL}
            </span>
          )}
          <span className={`status-badge status-${node.status}`} data-testid="mining-state">
            {statusText(node.status)}
          </span>
        </div>
        {error && (
          <p className="banner bad" role="alert">
            {error}
          </p>
        )}
        <div className="grid three compact">
          <Stat label="Earned this session" value={`${formatGbt(node.earnedWei)} GBT`} />
          {kind !== "simulation" && (
            <Stat label="Inference today" value={`${formatSeconds(usedToday)} / ${formatSeconds(limit)}`} />
          )}
          <Stat label="Tasks this session" testId="tasks-this-session" value={taskCount(node.tasksReceived)} />
        </div>
      </Card>

      <RecentTasks />
    </div>
  );
}
