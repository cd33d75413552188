/**
 * Whether onboarding shows: on a first visit it opens by itself; "done" or "skip" is remembered in localStorage, and
 * the Guide or the wallet menu opens it again (openOnboarding). One small store, so any component can open it.
 */
import { useSyncExternalStore } from "react";
import { ONBOARDING_KEY } from "./onboarding-key.ts";

type Outcome = "done" | "skipped";

function remembered(): Outcome | null {
  try {
    const value = globalThis.localStorage?.getItem(ONBOARDING_KEY);
    return value === "done" || value === "skipped" ? value : null;
  } catch {
    return null;
  }
}

let open = remembered() === null;
const listeners = new Set<() => void>();
const notify = () => {
  for (const listener of listeners) listener();
};

export function openOnboarding(): void {
  open = true;
  notify();
}

export function closeOnboarding(outcome: Outcome): void {
  globalThis.localStorage?.setItem(ONBOARDING_KEY, outcome);
  open = false;
  notify();
}

export function useOnboardingOpen(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => open,
  );
}
