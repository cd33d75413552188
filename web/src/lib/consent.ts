/** The mining consent the user gave (kept in this browser only): what may be used and the daily GPU-time cap. */
export interface MiningConsent {
  gpu: true;
  /** Model download to the browser's cache (bytes shown before it starts). */
  storage: boolean;
  /** Daily cap on GPU inference seconds; mining pauses for the day when reached. */
  dailyGpuSeconds: number;
  acceptedAt: number;
}

const KEY = "gitblock.miningConsent.v1";
export const DEFAULT_DAILY_GPU_SECONDS = 3_600;

export function readConsent(
  storage: Pick<Storage, "getItem"> | undefined = globalThis.localStorage,
): MiningConsent | null {
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as MiningConsent;
    return parsed.gpu === true && Number.isFinite(parsed.dailyGpuSeconds) ? parsed : null;
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
