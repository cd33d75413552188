import { NodeClient, type NodeClientEvents, type NodeClientOptions } from "@gitblock/sdk/client";
import {
  type SimulationBehaviour,
  SimulationEngine,
  type SimulationEngineOptions,
} from "@gitblock/sdk/engines/simulation";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { waitForReadyNodes } from "./readiness.ts";
import type { TestRelayer } from "./relayer.ts";

/** The model the simulation engine of `simNodes` serves. */
export const MODEL = "sim-llm";

/** Resolves with the first `event` whose payload passes `where`; rejects after `timeoutMs`. */
export function waitFor<K extends keyof NodeClientEvents>(
  client: NodeClient,
  event: K,
  where: (...args: NodeClientEvents[K]) => boolean = () => true,
  timeoutMs = 60_000,
): Promise<NodeClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${String(event)} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(event, (...args) => {
      if (!where(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args);
    });
  });
}

/** Signed-in clients on fresh wallets, one per behaviour, running the simulation engine (on `MODEL` unless told). */
export async function simNodes(
  t: TestRelayer,
  behaviours: SimulationBehaviour[],
  options: Partial<NodeClientOptions> = {},
  engineOptions: Omit<SimulationEngineOptions, "behaviour"> = {},
): Promise<NodeClient[]> {
  const models = engineOptions.models ?? [MODEL];
  const clients = behaviours.map(
    (behaviour) =>
      new NodeClient({
        relayer: t.url,
        signer: privateKeyToAccount(generatePrivateKey()),
        engine: new SimulationEngine({ ...engineOptions, models, behaviour }),
        capacity: 4,
        reconnect: { initialMs: 100, maxMs: 1_000 },
        ...options,
      }),
  );
  await Promise.all(clients.map((c) => c.start()));
  // The relayer has processed every ready frame: tasks submitted next can reach these nodes.
  await clientsReady(t, clients, models[0]);
  return clients;
}

/** Resolves once the relayer shows every client connected and ready for `model` (after `start()`). */
export function clientsReady(t: TestRelayer, clients: readonly NodeClient[], model = MODEL): Promise<true> {
  return waitForReadyNodes(
    t,
    clients.map((c) => c.address),
    model,
  );
}

export async function stopAll(clients: NodeClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.stop()));
}
