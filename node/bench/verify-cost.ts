// `npm run bench:verify-cost`: what a verification costs in generations of the same task, on the embedded llama.cpp
// engine (the recommended operator path), for generated Llama-architecture models of growing size. A verifier
// re-scores a claim teacher-forced in one batched prefill; the generator decoded it token by token. The ratio of the
// two medians is the `--verify-cost` of `npm run bench:integrity`. On the 2-block test fixture the engine's fixed cost
// per call outweighs the arithmetic (every position is one sampling call either way), so the benchmark also writes
// larger models (seeded random weights, the testkit's writer, a temp folder, never committed) where the arithmetic
// dominates, as it does in real models. CPU only here: GPUs make a prefill cheaper still relative to decoding.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { type GgufShape, TINY_GGUF, tinyVocabulary, writeTinyGguf } from "@gitblock/testkit";
import { LlamaCppEngine } from "../src/engines/llama-cpp.ts";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    threads: { type: "string", default: "1" },
    "max-tokens": { type: "string", default: "128" },
    repeats: { type: "string", default: "3" },
    out: { type: "string", default: path.join(import.meta.dirname, "results", "verify-cost.json") },
  },
});

const SHAPES: Array<{ name: string; shape: GgufShape }> = [
  { name: "test fixture", shape: { ...TINY_GGUF } },
  { name: "4 × 256", shape: { blocks: 4, embedding: 256, feedForward: 704, heads: 4, context: 512 } },
  { name: "8 × 512", shape: { blocks: 8, embedding: 512, feedForward: 1408, heads: 8, context: 512 } },
  { name: "12 × 768", shape: { blocks: 12, embedding: 768, feedForward: 2048, heads: 12, context: 512 } },
];
const PROMPTS = [
  "The quick brown fox",
  "GitBlock verifies tokens.",
  "Hello, world! 1+1=",
  "What is 2+2?",
  "Once upon a time",
  "def main():",
];

const quick = args.quick ?? false;
const maxTokens = Number(args["max-tokens"]);
const repeats = quick ? 1 : Number(args.repeats);
const threads = Number(args.threads);
const shapes = quick ? SHAPES.slice(0, 2) : SHAPES;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const parameters = ({ blocks, embedding: e, feedForward: ff }: GgufShape, vocab: number) =>
  blocks * (4 * e * e + 3 * e * ff) + 2 * vocab * e;

interface Row {
  model: string;
  quantize: "f32" | "q8_0";
  parameters: number;
  fileBytes: number;
  tasks: number;
  medianTokens: number;
  generateMsPerToken: number;
  scoreMsPerToken: number;
  ratio: number;
}

const dir = mkdtempSync(path.join(tmpdir(), "gitblock-verify-cost-"));
const rows: Row[] = [];
try {
  console.log(
    `verification cost on the embedded llama.cpp engine (CPU, ${threads} thread(s)): ${PROMPTS.length} prompts × ${repeats}, greedy, up to ${maxTokens} tokens; medians per claimed token`,
  );
  for (const { name, shape } of shapes) {
    for (const quantize of ["f32", "q8_0"] as const) {
      const file = await writeTinyGguf(path.join(dir, `${shape.blocks}x${shape.embedding}-${quantize}.gguf`), {
        seed: 1,
        shape,
        quantize,
      });
      const engine = new LlamaCppEngine({
        modelPath: file,
        modelId: "bench",
        gpu: false,
        threads,
        contextSize: shape.context,
      });
      const generate: number[] = [];
      const score: number[] = [];
      const tokens: number[] = [];
      try {
        const budget = Math.min(maxTokens, shape.context - 32);
        // One untimed task loads the model and warms the caches.
        await engine.generate({ model: "bench", input: "warm up", maxTokens: 8, seed: 0 });
        for (let r = 0; r < repeats; r++) {
          for (const input of PROMPTS) {
            const generated = await engine.generate({ model: "bench", input, maxTokens: budget, seed: 0 });
            const n = Math.max(1, generated.tokenIds.length);
            const scored = await engine.score({
              model: "bench",
              input,
              tokenIds: generated.tokenIds,
              maxTokens: budget,
            });
            generate.push(generated.timings.inferenceMs / n);
            score.push(scored.timings.inferenceMs / n);
            tokens.push(generated.tokenIds.length);
          }
        }
      } finally {
        await engine.dispose();
      }
      const row: Row = {
        model: name,
        quantize,
        parameters: parameters(shape, tinyVocabulary().tokens.length),
        fileBytes: statSync(file).size,
        tasks: generate.length,
        medianTokens: median(tokens),
        generateMsPerToken: median(generate),
        scoreMsPerToken: median(score),
        ratio: median(score) / median(generate),
      };
      rows.push(row);
      console.log(
        `  ${name.padEnd(12)} ${quantize.padEnd(4)} ${(row.parameters / 1e6).toFixed(2).padStart(6)} M params ${(row.fileBytes / 1e6).toFixed(1).padStart(6)} MB: generate ${row.generateMsPerToken.toFixed(3)} ms/token, score ${row.scoreMsPerToken.toFixed(3)} ms/token → verification cost ${row.ratio.toFixed(3)} generations (${row.tasks} tasks, median ${row.medianTokens} tokens)`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
mkdirSync(path.dirname(args.out as string), { recursive: true });
writeFileSync(
  args.out as string,
  `${JSON.stringify({ measuredAt: new Date().toISOString(), threads, maxTokens, repeats, quick, rows }, null, 2)}\n`,
);
const largest = rows.filter((r) => r.quantize === "f32").at(-1);
if (largest) {
  console.log(
    `\nlargest model (${largest.model}, F32): verification cost ${largest.ratio.toFixed(2)} generations; use it as npm run bench:integrity -- --verify-cost ${largest.ratio.toFixed(2)}`,
  );
}
console.log(`written ${path.relative(process.cwd(), args.out as string)}`);
