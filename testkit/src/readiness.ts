// Readiness without sleeps: wait on the real condition (an endpoint answers, the relayer's registry shows the
// node ready), polled with a deadline where there is no event to wait on.
import type { ChildProcess } from "node:child_process";
import type { Address } from "viem";
import type { TestRelayer } from "./relayer.ts";

export interface UntilOptions {
  timeoutMs?: number;
  /** Pause between probes (not a synchronisation: the probe decides). */
  intervalMs?: number;
  /** Give up at once if this process exits while waiting. */
  child?: ChildProcess;
}

/** Resolves with the first value `probe` returns that is not undefined; rejects at the deadline. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 10, child }: UntilOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`process exited (${child.exitCode ?? child.signalCode}) while waiting for ${what}`);
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls `url` (GET, or `init`) until it answers 2xx; resolves with the response body as text. */
export function waitForHttp(url: string, options: UntilOptions & { init?: RequestInit } = {}): Promise<string> {
  return until(
    `${url} to answer`,
    async () => {
      const response = await fetch(url, { ...options.init, signal: AbortSignal.timeout(2_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.text();
    },
    { intervalMs: 50, timeoutMs: 60_000, ...options },
  );
}

/** Polls a JSON-RPC endpoint (`eth_chainId`) until it answers: a chain (`hardhat node`) is ready. */
export async function waitForRpc(rpcUrl: string, options: UntilOptions = {}): Promise<number> {
  const body = await waitForHttp(rpcUrl, {
    ...options,
    init: {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    },
  });
  const { result } = JSON.parse(body) as { result?: string };
  if (!result) throw new Error(`${rpcUrl} answered eth_chainId without a result: ${body}`);
  return Number(result);
}

/**
 * Resolves once the relayer's registry has every one of `addresses` connected and ready for `model` (their
 * `ready` frame or first poll has been processed), so tasks submitted next can reach them.
 */
export function waitForReadyNodes(
  t: TestRelayer,
  addresses: readonly Address[],
  model: string,
  options: UntilOptions = {},
): Promise<true> {
  const wanted = addresses.map((a) => a.toLowerCase());
  return until(
    `${addresses.length} node(s) ready for ${model}`,
    () => {
      const ready = new Set<string>();
      for (const presence of t.relayer.registry.all()) {
        if (presence.ready?.models.has(model)) ready.add(presence.address.toLowerCase());
      }
      return wanted.every((a) => ready.has(a)) ? true : undefined;
    },
    options,
  );
}
