/**
 * Hardware consent with limits: GPU (WebGPU) and CPU (WASM threads, 1..hardwareConcurrency), the daily inference
 * cap, the model kept in the browser cache, and bandwidth stated plainly as not used. Written through lib/consent.ts.
 */
import { useState } from "react";
import { DEFAULT_DAILY_GPU_SECONDS, readConsent, writeConsent } from "../lib/consent.ts";

const MAX_THREADS = Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);

export function ConsentStep({ onNext }: { onNext: () => void }) {
  const previous = readConsent();
  const [gpu, setGpu] = useState(previous?.gpu ?? false);
  const [cpu, setCpu] = useState(previous?.cpu ?? false);
  const [threads, setThreads] = useState(Math.min(previous?.cpuThreads ?? 1, MAX_THREADS));
  const [minutes, setMinutes] = useState(Math.round((previous?.dailyGpuSeconds ?? DEFAULT_DAILY_GPU_SECONDS) / 60));
  const [storage, setStorage] = useState(previous?.storage ?? false);

  return (
    <form
      className="consent"
      aria-label="Hardware consent"
      onSubmit={(e) => {
        e.preventDefault();
        writeConsent(
          gpu || cpu
            ? {
                gpu,
                cpu,
                storage,
                dailyGpuSeconds: Math.max(1, minutes) * 60,
                cpuThreads: threads,
                acceptedAt: Date.now(),
              }
            : null,
        );
        onNext();
      }}
    >
      <h2>What this browser may use</h2>
      <label>
        <input type="checkbox" checked={gpu} onChange={(e) => setGpu(e.target.checked)} /> GPU: run tasks through WebGPU
      </label>
      <label>
        <input type="checkbox" checked={cpu} onChange={(e) => setCpu(e.target.checked)} /> CPU: run tasks with llama.cpp
        in WebAssembly, with{" "}
        <input
          type="number"
          min={1}
          max={MAX_THREADS}
          value={threads}
          onChange={(e) => setThreads(Math.min(MAX_THREADS, Math.max(1, Math.round(Number(e.target.value)) || 1)))}
          aria-label="CPU threads"
        />{" "}
        of {MAX_THREADS} threads
      </label>
      <label>
        At most{" "}
        <input
          type="number"
          min={1}
          max={1440}
          value={minutes}
          onChange={(e) => setMinutes(Math.min(1440, Math.max(1, Math.round(Number(e.target.value)) || 1)))}
          aria-label="Daily inference limit in minutes"
        />{" "}
        minutes of inference a day (the node pauses for the day at the limit)
      </label>
      <label>
        <input type="checkbox" checked={storage} onChange={(e) => setStorage(e.target.checked)} /> Keep the model
        download in this browser's cache (its size is shown before it starts)
      </label>
      <p data-testid="bandwidth-note">
        <strong>Bandwidth: not used.</strong> Only task text and results travel.
      </p>
      <div className="actions">
        <button type="submit" className="primary">
          {gpu || cpu ? "Save and continue" : "Continue without mining"}
        </button>
      </div>
    </form>
  );
}
