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
}

const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

/** Measures a `vite build` output in `dist`: what index.html loads up front vs the lazily loaded web-llm chunk. */
export function measureBundle(dist: string): BundleSize {
  const html = readFileSync(path.join(dist, "index.html"), "utf8");
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
  return {
    initial,
    initialGzip: initial.reduce((sum, f) => sum + f.gzip, 0),
    webllmFiles,
    webllmGzip: webllmFiles.reduce((sum, f) => sum + gz(path.join(assets, f)), 0),
  };
}

if (import.meta.main) {
  const size = measureBundle(path.join(import.meta.dirname, "..", "dist"));
  for (const f of size.initial) console.log(`${f.file.padEnd(48)} ${(f.gzip / 1024).toFixed(1).padStart(8)} KB gzip`);
  console.log(
    `initial total ${(size.initialGzip / 1024).toFixed(1)} KB gzip; web-llm ${(size.webllmGzip / 1024).toFixed(1)} KB gzip (${size.webllmFiles.join(", ")})`,
  );
}
