/**
 * The mining consent the user gave (kept in this browser only): which hardware may run inference, the model kept in
 * the browser cache, the daily inference cap and the WASM engine's threads. Bandwidth is not asked for: only task
 * text and results travel. Everyone reads it through readConsent(); onboarding and the Mining page write it.
 *
 * Stored under the v1 key in both shapes: a v1 record ({gpu: true, storage, dailyGpuSeconds}, from before the WASM
 * engine) reads as GPU-only consent with one CPU thread, so nobody has to consent again after an upgrade.
 */
export interface MiningConsent {
  /** WebGPU inference allowed. */
  gpu: boolean;
  /** WASM (CPU) inference allowed. */
  cpu: boolean;
  /** Model download kept in the browser cache (bytes shown before it starts). */
  storage: boolean;
  /** Daily cap on inference seconds (GPU or CPU); the node pauses for the day when reached. */
  dailyGpuSeconds: number;
  /** Threads the WASM engine may use. */
  cpuThreads: number;
  acceptedAt: number;
}

const KEY = "gitblock.miningConsent.v1";
export const DEFAULT_DAILY_GPU_SECONDS = 3_600;

/** The record as stored: the current shape, or a v1 one without `cpu` / `cpuThreads`. */
type StoredConsent = Partial<MiningConsent> & { dailyGpuSeconds?: unknown };

/** The current shape from whatever is stored, or null when it is unreadable or grants nothing. */
export function migrateConsent(stored: StoredConsent): MiningConsent | null {
  if (typeof stored !== "object" || stored === null) return null;
  const dailyGpuSeconds = Number(stored.dailyGpuSeconds);
  if (!Number.isFinite(dailyGpuSeconds) || dailyGpuSeconds <= 0) return null;
  const gpu = stored.gpu === true;
  const cpu = stored.cpu === true;
  if (!gpu && !cpu) return null;
  const threads = Number(stored.cpuThreads);
  return {
    gpu,
    cpu,
    storage: stored.storage === true,
    dailyGpuSeconds,
    cpuThreads: Number.isInteger(threads) && threads >= 1 ? threads : 1,
    acceptedAt: Number(stored.acceptedAt) || 0,
  };
}

export function readConsent(
  storage: Pick<Storage, "getItem"> | undefined = globalThis.localStorage,
): MiningConsent | null {
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return null;
    return migrateConsent(JSON.parse(raw) as StoredConsent);
  } catch {
    return null;
  }
}

export function writeConsent(
  consent: MiningConsent | null,
  storage: Pick<Storage, "setItem" | "removeItem"> | undefined = globalThis.localStorage,
): void {
  if (!storage) return;
  if (consent) storage.setItem(KEY, JSON.stringify(consent));
  else storage.removeItem(KEY);
}

export function dailyLimit(consent: MiningConsent | null): number {
  return consent?.dailyGpuSeconds ?? DEFAULT_DAILY_GPU_SECONDS;
}
