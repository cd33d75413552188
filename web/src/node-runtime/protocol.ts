/**
 * The messages between the page and the browser node's Web Worker (./node.worker.ts).
 *
 * The worker holds the NodeClient and its engine; the page holds the wallet. The worker never sees a key: it asks the
 * page to run the wallet's EIP-1193 `request` (`rpc`), and the page answers (`rpc-result`). Everything else flows one
 * way, as events the page folds into the session state (./session-state.ts). BigInts travel as they are (structured
 * clone supports them).
 */
import type { Address } from "viem";

/** How the node runs its tasks: WebGPU (web-llm), WebAssembly on the CPU (wllama), or the demo simulation. */
export type EngineKind = "webgpu" | "wasm" | "simulation";

export interface EngineSpec {
  kind: EngineKind;
  /** web-llm model id (webgpu), GGUF model id (wasm); ignored by the simulation. */
  modelId: string;
  /** The GGUF file's URL (wasm only). */
  modelUrl?: string;
  /** CPU threads the WASM engine may use (the consent's `cpuThreads`). */
  threads?: number;
}

export interface EngineInfo {
  kind: EngineKind;
  /** The engine's own name (a simulation says so). */
  name: string;
  simulated: boolean;
}

export type NodeStatus = "stopped" | "loading" | "signing-in" | "running" | "paused-limit" | "error";

export interface StartCommand {
  type: "start";
  relayer: string;
  address: Address;
  engine: EngineSpec;
  country?: string;
  /** The publisher placement the session runs in (NodeClient's `placement`). */
  placement?: string;
}

export type ToWorker =
  | StartCommand
  | { type: "stop" }
  | { type: "rpc-result"; id: number; result?: unknown; error?: string };

export type VerdictOutcome = "correct" | "wrong" | "timeout" | "inconclusive";

export type FromWorker =
  | { type: "status"; status: Exclude<NodeStatus, "paused-limit">; error?: string }
  | { type: "engine"; engine: EngineInfo }
  | { type: "progress"; value: number; text: string }
  | { type: "task"; id: string; role: "generate" | "verify"; at: number }
  | { type: "verdict"; id: string; outcome: VerdictOutcome; rewardWei: bigint; at: number }
  | {
      type: "stats";
      tasksReceived: number;
      tasksDone: number;
      accepted: number;
      rejected: number;
      timeouts: number;
      earnedWei: bigint;
      reputationBps: number | null;
    }
  | { type: "rpc"; id: number; method: string; params?: readonly unknown[] | object };
