/**
 * Which engines the user's consent allows: WebGPU needs GPU consent, WASM needs CPU consent (web/src/lib/consent.ts,
 * read only through readConsent()). The simulation runs no model and uses neither, so it needs none.
 */
import type { MiningConsent } from "../lib/consent.ts";
import type { EngineKind } from "./protocol.ts";

export function consentAllows(consent: MiningConsent | null, kind: EngineKind): boolean {
  if (kind === "simulation") return true;
  if (!consent) return false;
  if (kind === "webgpu") return consent.gpu === true;
  return "cpu" in consent && consent.cpu === true;
}
