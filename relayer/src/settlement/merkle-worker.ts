// Worker for the parallel epoch tree build: hashes ranges of a shared buffer (see merkle-parallel.ts).
import { parentPort } from "node:worker_threads";
import { createKeccak } from "hash-wasm";

interface Job {
  id: number;
  kind: "leaves" | "pairs";
  /** Encoded leaves (192 bytes each) for "leaves". */
  encoded: SharedArrayBuffer;
  /** The tree's layer buffer. */
  layers: SharedArrayBuffer;
  /** leaves: leaf index range; pairs: node index range (even start) in the layer at `srcOffset` of `srcSize`. */
  from: number;
  to: number;
  srcOffset: number;
  srcSize: number;
  dstOffset: number;
}

const hasher = await createKeccak(256);

function compare32(a: Uint8Array, i: number, j: number): number {
  for (let k = 0; k < 32; k++) {
    const d = (a[i + k] as number) - (a[j + k] as number);
    if (d !== 0) return d;
  }
  return 0;
}

parentPort?.on("message", (job: Job) => {
  const layers = new Uint8Array(job.layers);
  const h = hasher;
  if (job.kind === "leaves") {
    const encoded = new Uint8Array(job.encoded);
    for (let i = job.from; i < job.to; i++) {
      h.init();
      h.update(encoded.subarray(i * 192, i * 192 + 192));
      const inner = h.digest("binary");
      h.init();
      h.update(inner);
      layers.set(h.digest("binary"), i * 32);
    }
  } else {
    for (let i = job.from; i < job.to; i += 2) {
      const left = job.srcOffset + i * 32;
      const out = job.dstOffset + (i / 2) * 32;
      if (i + 1 === job.srcSize) {
        layers.copyWithin(out, left, left + 32);
        continue;
      }
      const right = left + 32;
      const [a, b] = compare32(layers, left, right) <= 0 ? [left, right] : [right, left];
      h.init();
      h.update(layers.subarray(a, a + 32));
      h.update(layers.subarray(b, b + 32));
      layers.set(h.digest("binary"), out);
    }
  }
  parentPort?.postMessage(job.id);
});
