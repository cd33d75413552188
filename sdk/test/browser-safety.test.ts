import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";

const sdk = path.resolve(import.meta.dirname, "../src");
const files = ["api", "client", "engines"].flatMap((dir) =>
  readdirSync(path.join(sdk, dir))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(sdk, dir, f)),
);

describe("the SDK API client, node client and engines run in browsers", () => {
  it("import nothing from Node's runtime and use no Node globals", () => {
    assert.ok(files.length >= 8, "found the SDK files");
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      const name = path.relative(sdk, file);
      assert.doesNotMatch(source, /from\s+["']node:|require\(|import\(["']node:/, `${name} imports a Node module`);
      assert.doesNotMatch(source, /\bBuffer\.|\bprocess\.|NodeJS\./, `${name} uses a Node global`);
      assert.doesNotMatch(source, /from\s+["']ws["']/, `${name} imports the ws package`);
    }
  });

  it("load web-llm only dynamically, so the dApp's initial bundle excludes it", () => {
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      assert.doesNotMatch(
        source,
        /^import[^;]*["']@mlc-ai\/web-llm["']/m,
        `${path.basename(file)} imports web-llm statically`,
      );
    }
    assert.match(readFileSync(path.join(sdk, "engines/webllm.ts"), "utf8"), /await import\("@mlc-ai\/web-llm"\)/);
  });
});
