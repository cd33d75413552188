/**
 * What survives a reload: that the user wants the node running, on which engine, for which wallet. After a reload the
 * provider starts it again when this says so, the same wallet is connected and (for a real engine) consent still
 * stands. It does not keep the relayer session: a session resumes only together with its in-memory session key
 * (sdk/src/client/session-key.ts), and writing that key to storage would let any script on the page sign as this node;
 * so a reload signs in again (one wallet signature; silent for a wallet created in the browser).
 */
import type { Address } from "viem";
import type { EngineSpec } from "./protocol.ts";

const KEY = "gitblock.browserNode.v1";

export interface WantedRunning {
  address: Address;
  engine: EngineSpec;
}

type Store = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export function readWantedRunning(storage: Store | undefined = globalThis.localStorage): WantedRunning | null {
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<WantedRunning>;
    const kind = parsed.engine?.kind;
    if (typeof parsed.address !== "string" || (kind !== "webgpu" && kind !== "wasm" && kind !== "simulation")) {
      return null;
    }
    return parsed as WantedRunning;
  } catch {
    return null;
  }
}

export function writeWantedRunning(
  wanted: WantedRunning | null,
  storage: Store | undefined = globalThis.localStorage,
): void {
  if (!storage) return;
  if (wanted) storage.setItem(KEY, JSON.stringify(wanted));
  else storage.removeItem(KEY);
}
