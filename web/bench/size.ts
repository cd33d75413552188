import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

export interface BundleSize {
  /** Files the browser fetches before the app runs: the entry script, its module preloads and the CSS. */
  initial: Array<{ file: string; raw: number; gzip: number }>;
  initialGzip: number;
  /** The web-llm chunk(s), fetched only when mining or chat starts. */
  webllmGzip: number;
  webllmFiles: string[];
  /** The WASM engine's chunks (wllama, its loader) and its wasm file, fetched only when a CPU engine starts. */
  wasmEngineGzip: number;
  wasmEngineFiles: string[];
  /** WASM engine files that index.html loads up front (must be none). */
  wasmEngineInitial: string[];
}

/** A chunk of the WASM engine: wllama's own code, the SDK engine or the dApp's loader (web/src/mining/wllama-engine.ts). */
const isWasmEngineFile = (name: string, text: string) =>
  name.endsWith(".wasm") || text.includes("WllamaEngine") || text.includes("wllamaStart");

/** The dApp's built loader of the WASM engine (`createWasmEngine`, `loadWasmEngine`), as a URL path of the build. */
export function wasmEngineChunk(dist: string): string {
  const chunk = readdirSync(path.join(dist, "assets"))
    .filter((f) => /^wllama-engine-[\w-]+\.js$/.test(f))
    .sort()
    .find((f) => readFileSync(path.join(dist, "assets", f), "utf8").includes("createWasmEngine"));
  if (!chunk) throw new Error("no wllama-engine chunk in dist/assets: is the engine's loader still imported lazily?");
  return `/assets/${chunk}`;
}

const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

/**
 * Measures a `vite build` output in `dist`: what `page` (the dApp's index.html, or the widget's embed.html) loads up
 * front vs the lazily loaded web-llm and WASM engine chunks.
 */
export function measureBundle(dist: string, page = "index.html"): BundleSize {
  const html = readFileSync(path.join(dist, page), "utf8");
  const refs = [
    ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+rel="(?:modulepreload|stylesheet)"[^>]+href="([^"]+)"/g),
  ].map((m) => m[1] as string);
  const initial = [...new Set(refs)].map((ref) => {
    const file = path.join(dist, ref.replace(/^\//, ""));
    return { file: ref, raw: readFileSync(file).length, gzip: gz(file) };
  });
  const assets = path.join(dist, "assets");
  // web-llm's chunk is the one that carries its engine (and the worker that imports it).
  const webllmFiles = readdirSync(assets).filter((f) => {
    if (!f.endsWith(".js")) return false;
    const text = readFileSync(path.join(assets, f), "utf8");
    return text.includes("WebWorkerMLCEngineHandler") || text.includes("MLCEngine");
  });
  const wasmEngineFiles = readdirSync(assets).filter(
    (f) =>
      (f.endsWith(".js") || f.endsWith(".wasm")) && isWasmEngineFile(f, readFileSync(path.join(assets, f), "latin1")),
  );
  return {
    initial,
    initialGzip: initial.reduce((sum, f) => sum + f.gzip, 0),
    webllmFiles,
    webllmGzip: webllmFiles.reduce((sum, f) => sum + gz(path.join(assets, f)), 0),
    wasmEngineFiles,
    wasmEngineGzip: wasmEngineFiles.reduce((sum, f) => sum + gz(path.join(assets, f)), 0),
    wasmEngineInitial: initial.filter((f) => wasmEngineFiles.some((w) => f.file.endsWith(`/${w}`))).map((f) => f.file),
  };
}

if (import.meta.main) {
  const size = measureBundle(path.join(import.meta.dirname, "..", "dist"));
  for (const f of size.initial) console.log(`${f.file.padEnd(48)} ${(f.gzip / 1024).toFixed(1).padStart(8)} KB gzip`);
  console.log(
    `initial total ${(size.initialGzip / 1024).toFixed(1)} KB gzip; web-llm ${(size.webllmGzip / 1024).toFixed(1)} KB gzip (${size.webllmFiles.join(", ")})`,
  );
  console.log(
    `WASM engine ${(size.wasmEngineGzip / 1024).toFixed(1)} KB gzip (${size.wasmEngineFiles.join(", ")}); in the initial load: ${size.wasmEngineInitial.join(", ") || "none"}`,
  );
}
