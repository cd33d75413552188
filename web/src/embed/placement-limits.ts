import type { MiningConsent } from "../lib/consent.ts";

/**
 * The visitor's consent within a placement's limits: the placement's GPU seconds per visitor per day (0: none set)
 * can only lower the visitor's own daily limit, never raise it. CPU threads are bounded the same way where the
 * engine is chosen (./engine-choice.ts).
 *
 * Enforced here, in the visitor's browser, by the same daily meter as the visitor's own limit: the relayer cannot
 * measure a browser's GPU time, and the limit protects the visitor's machine (the publisher's promise to its
 * readers), so a visitor who edits it away spends only their own GPU.
 */
export function consentWithinPlacement(consent: MiningConsent, gpuSecondsPerVisitorPerDay: number): MiningConsent {
  if (gpuSecondsPerVisitorPerDay <= 0 || consent.dailyGpuSeconds <= gpuSecondsPerVisitorPerDay) return consent;
  return { ...consent, dailyGpuSeconds: gpuSecondsPerVisitorPerDay };
}
