import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { NodeState } from "@gitblock/sdk";
import { buildEpochTree, EpochTree, encodeLeaf, layerSizes } from "./merkle.ts";

/** Below this many leaves one thread is faster than starting workers. */
const PARALLEL_THRESHOLD = 50_000;

/**
 * The epoch tree built on every core: the main thread ABI-encodes the leaves into a shared buffer, workers hash
 * leaf ranges, then each large layer is split between workers (small top layers are done by one). Same output as
 * `buildEpochTree`.
 */
export async function buildEpochTreeParallel(
  states: Iterable<NodeState>,
  leafCount: number,
  onProgress: (fraction: number) => void = () => {},
  threads = availableParallelism(),
): Promise<EpochTree> {
  if (leafCount < PARALLEL_THRESHOLD || threads < 2) return buildEpochTree(states, leafCount, onProgress);
  const encodedBuffer = new SharedArrayBuffer(leafCount * 192);
  const encoded = new Uint8Array(encodedBuffer);
  let index = 0;
  for (const state of states) {
    encodeLeaf(state, encoded, index * 192);
    index++;
  }
  if (index !== leafCount) throw new Error(`expected ${leafCount} leaves, got ${index}`);
  onProgress(0.1);

  const sizes = layerSizes(leafCount);
  const layersBuffer = new SharedArrayBuffer(sizes.reduce((sum, size) => sum + size, 0) * 32);
  const workers = Array.from({ length: threads }, () => new Worker(new URL("./merkle-worker.ts", import.meta.url)));
  let nextId = 0;
  const pending = new Map<number, () => void>();
  let failure: ((error: unknown) => void) | null = null;
  for (const worker of workers) {
    worker.on("message", (id: number) => pending.get(id)?.());
    worker.on("error", (error) => failure?.(error));
  }
  const run = (worker: Worker, job: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      const id = nextId++;
      failure = reject;
      pending.set(id, () => {
        pending.delete(id);
        resolve();
      });
      worker.postMessage({ ...job, id, encoded: encodedBuffer, layers: layersBuffer });
    });
  try {
    const split = (count: number, even: boolean) => {
      const chunk = Math.ceil(count / threads / 2) * (even ? 2 : 1) || 1;
      const ranges: Array<[number, number]> = [];
      for (let from = 0; from < count; from += chunk) ranges.push([from, Math.min(count, from + chunk)]);
      return ranges;
    };
    await Promise.all(
      split(leafCount, false).map(([from, to], i) => run(workers[i % threads] as Worker, { kind: "leaves", from, to })),
    );
    onProgress(0.7);
    let srcOffset = 0;
    for (let layer = 0; layer < sizes.length - 1; layer++) {
      const srcSize = sizes[layer] as number;
      const dstOffset = srcOffset + srcSize * 32;
      const ranges = srcSize >= 4_096 ? split(srcSize, true) : [[0, srcSize] as [number, number]];
      await Promise.all(
        ranges.map(([from, to], i) =>
          run(workers[i % threads] as Worker, { kind: "pairs", from, to, srcOffset, srcSize, dstOffset }),
        ),
      );
      srcOffset = dstOffset;
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  onProgress(1);
  // Copy out of shared memory: the tree is stored and served from an ordinary buffer.
  return new EpochTree(new Uint8Array(layersBuffer).slice(), leafCount);
}
