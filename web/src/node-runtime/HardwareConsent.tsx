/**
 * What the user allows the chosen engine to use: the GPU (WebGPU) or the CPU (WebAssembly, so many threads), the
 * model kept in the browser cache, and the daily inference limit. Granting one engine keeps what was granted for the
 * other; withdrawing clears everything (and the running node stops: the provider watches consent).
 */
import { useState } from "react";
import { DEFAULT_DAILY_GPU_SECONDS, type MiningConsent, writeConsent } from "../lib/consent.ts";
import { formatBytes, formatSeconds } from "../lib/format.ts";
import { consentAllows } from "./consent-gate.ts";

const MAX_THREADS = Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 4);

export function HardwareConsent({
  kind,
  downloadBytes,
  consent,
  onChange,
}: {
  kind: "webgpu" | "wasm";
  downloadBytes: number | null;
  consent: MiningConsent | null;
  onChange: (consent: MiningConsent | null) => void;
}) {
  const [agreeHardware, setAgreeHardware] = useState(false);
  const [agreeStorage, setAgreeStorage] = useState(false);
  const [limitMin, setLimitMin] = useState(Math.round((consent?.dailyGpuSeconds ?? DEFAULT_DAILY_GPU_SECONDS) / 60));
  const [threads, setThreads] = useState(Math.min(2, MAX_THREADS));
  const hardware = kind === "webgpu" ? "GPU" : "CPU";

  if (consent && consentAllows(consent, kind)) {
    const allowed = [consent.gpu && "the GPU (WebGPU)", consent.cpu && `the CPU (${consent.cpuThreads} threads)`];
    return (
      <div className="consent-done" data-testid="consent-given">
        <p>
          You allowed {allowed.filter(Boolean).join(" and ")} for up to{" "}
          <strong>{formatSeconds(consent.dailyGpuSeconds)}</strong> of inference a day, and the model kept in this
          browser's cache. Bandwidth: not used (only task text and results travel). You can stop any time; nothing runs
          while this tab is closed.
        </p>
        <button
          type="button"
          onClick={() => {
            writeConsent(null);
            onChange(null);
          }}
        >
          Withdraw consent
        </button>
      </div>
    );
  }

  const accept = () => {
    const next: MiningConsent = {
      gpu: kind === "webgpu" || consent?.gpu === true,
      cpu: kind === "wasm" || consent?.cpu === true,
      storage: true,
      dailyGpuSeconds: Math.max(60, limitMin * 60),
      cpuThreads: kind === "wasm" ? threads : (consent?.cpuThreads ?? 1),
      acceptedAt: Date.now(),
    };
    writeConsent(next);
    onChange(next);
  };

  return (
    <form
      className="consent"
      aria-label="Mining consent"
      onSubmit={(e) => {
        e.preventDefault();
        accept();
      }}
    >
      <label>
        <input type="checkbox" checked={agreeHardware} onChange={(e) => setAgreeHardware(e.target.checked)} required />{" "}
        {kind === "webgpu"
          ? "Use my GPU (through WebGPU) to run small AI tasks for the network while this tab is open"
          : "Use my CPU (llama.cpp in WebAssembly) to run small AI tasks for the network while this tab is open"}
      </label>
      <label>
        <input type="checkbox" checked={agreeStorage} onChange={(e) => setAgreeStorage(e.target.checked)} required />{" "}
        Download the model once{downloadBytes !== null ? ` (${formatBytes(downloadBytes)})` : ""} and keep it in this
        browser's cache
      </label>
      {kind === "wasm" && (
        <label className="inline">
          CPU threads{" "}
          <input
            type="number"
            min={1}
            max={MAX_THREADS}
            value={threads}
            onChange={(e) => setThreads(Math.min(MAX_THREADS, Math.max(1, Number(e.target.value) || 1)))}
            aria-label="CPU threads"
          />{" "}
          of {MAX_THREADS} threads
        </label>
      )}
      <label className="inline">
        Daily {hardware} limit{" "}
        <input
          type="number"
          min={1}
          max={1440}
          value={limitMin}
          onChange={(e) => setLimitMin(Number(e.target.value) || 1)}
          aria-label={`Daily ${hardware} limit in minutes`}
        />{" "}
        minutes of inference per day
      </label>
      <p className="muted small">
        Bandwidth: not used (only task text and results travel). Mining stops by itself at the limit. Stop any time with
        one click. Task inputs are anonymous prompts; nothing from your computer is sent except results.
      </p>
      <button type="submit" className="primary" disabled={!agreeHardware || !agreeStorage}>
        I agree
      </button>
    </form>
  );
}
