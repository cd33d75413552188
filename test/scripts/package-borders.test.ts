import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT, runToEnd, spawnNode } from "@gitblock/testkit";

const CHECK = "scripts/lint/package-borders.ts";
/** A relative path from package a's src into package b's (joined, so that a grep of the repository for such paths finds none). */
const intoB = (file: string) => ["..", "..", "b", "src", file].join("/");

/** A two-package workspace in a temporary folder; `files` maps paths to sources, `manifests` adds dependencies. */
function workspace(files: Record<string, string>, manifests: Record<string, Record<string, string>> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), "gitblock-borders-"));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  write("package.json", JSON.stringify({ name: "root", private: true, workspaces: ["a", "b"] }));
  for (const name of ["a", "b"]) {
    write(`${name}/package.json`, JSON.stringify({ name: `@x/${name}`, dependencies: manifests[name] ?? {} }));
  }
  for (const [file, text] of Object.entries(files)) write(file, text);
  return root;
}

async function check(root: string) {
  return runToEnd(spawnNode(CHECK, [root]));
}

describe("the package-borders lint rule (npm run lint)", () => {
  it("passes on this repository", async () => {
    const { code, output } = await check(REPO_ROOT);
    assert.equal(code, 0, output);
  });

  it("refuses a relative import into another package, naming the file, line and package", async () => {
    const root = workspace({
      "b/src/util.ts": "export const two = 2;\n",
      "a/src/index.ts": `import { readFileSync } from "node:fs";\nimport { two } from "${intoB("util.ts")}";\n`,
    });
    try {
      const { code, output } = await check(root);
      assert.equal(code, 1);
      assert.match(output, /a\/src\/index\.ts:2: "\.\.\/\.\.\/b\/src\/util\.ts" reaches into @x\/b/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("refuses an undeclared package, and accepts it once package.json declares it", async () => {
    const files = {
      "a/src/index.ts": 'import { two } from "@x/b";\nexport const worker = new URL("./w.ts", import.meta.url);\n',
    };
    const undeclared = workspace(files);
    const declared = workspace(files, { a: { "@x/b": "0.0.0" } });
    try {
      const refused = await check(undeclared);
      assert.equal(refused.code, 1);
      assert.match(refused.output, /imports "@x\/b", which @x\/a's package\.json does not declare/);
      const accepted = await check(declared);
      assert.equal(accepted.code, 0, accepted.output);
    } finally {
      rmSync(undeclared, { recursive: true, force: true });
      rmSync(declared, { recursive: true, force: true });
    }
  });

  it("sees a worker URL that leaves its package", async () => {
    const root = workspace({
      "b/src/worker.ts": "self.onmessage = () => {};\n",
      "a/src/index.ts": `export const w = new URL("${intoB("worker.ts")}", import.meta.url);\n`,
    });
    try {
      const { code, output } = await check(root);
      assert.equal(code, 1);
      assert.match(output, /reaches into @x\/b/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
