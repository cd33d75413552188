import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";

const root = path.resolve(import.meta.dirname, "../..");
const preflight = path.join(root, "scripts/preflight.cjs");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  engines: { node: string };
  scripts: Record<string, string>;
};
const required = pkg.engines.node.replace(/^>=\s*/, "");

function run(node: string, env: NodeJS.ProcessEnv = {}) {
  // NODE_OPTIONS of this run (a test runner's flags) could be unknown to an old Node; the preflight needs none.
  const { GITBLOCK_PREFLIGHT_NODE_VERSION: _, NODE_OPTIONS: __, ...inherited } = process.env;
  const result = spawnSync(node, [preflight], { cwd: root, env: { ...inherited, ...env }, encoding: "utf8" });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const older = (version: string) => {
  const [a = 0, b = 0, c = 0] = version.split(".").map(Number);
  const [x = 0, y = 0, z = 0] = required.split(".").map(Number);
  return a !== x ? a < x : b !== y ? b < y : c < z;
};

/** The machine's own Node when it is older than `engines.node` (Debian's /usr/bin/node is 20 here), else none. */
function oldNode(): { node: string; version: string } | undefined {
  for (const node of ["/usr/bin/node", "/usr/local/bin/node"]) {
    if (!existsSync(node) || path.resolve(node) === process.execPath) continue;
    const version = spawnSync(node, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout?.trim();
    if (version && older(version)) return { node, version };
  }
  return undefined;
}

const sentence = (found: string) =>
  new RegExp(
    `^GitBlock needs Node\\.js >= ${required.replaceAll(".", "\\.")} \\(found ${found.replaceAll(".", "\\.")}\\); get Node \\d+ with: .+\\.\\n$`,
  );

describe("scripts/preflight.cjs (first step of npm start and npm test)", () => {
  it("runs first in `npm start` and `npm test`", () => {
    assert.match(pkg.scripts.start ?? "", /^node scripts\/preflight\.cjs && /);
    assert.match(pkg.scripts.test ?? "", /^node scripts\/preflight\.cjs && /);
  });

  it("is silent and exits 0 on this Node", () => {
    assert.deepEqual(run(process.execPath), { code: 0, stdout: "", stderr: "" });
  });

  it("prints one sentence naming the needed version, and exits 1, on an old Node", () => {
    // A real old Node when the machine has one; otherwise this Node told to report an old version.
    const old = oldNode();
    const { code, stdout, stderr } = old
      ? run(old.node)
      : run(process.execPath, { GITBLOCK_PREFLIGHT_NODE_VERSION: "20.20.2" });
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.match(stderr, sentence(old?.version ?? "20.20.2"));
    if (process.platform === "linux") {
      assert.ok(stderr.includes("npm install --prefix ~/.cache/gitblock-node node-linux-"), stderr);
    }
  });

  it("gives the same commands as the README's quick start (on Linux x64)", () => {
    const { stderr } = run(process.execPath, { GITBLOCK_PREFLIGHT_NODE_VERSION: "20.20.2" });
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const commands = /get Node \d+ with: (.+) \(see the README's quick start\)\.$/m.exec(stderr)?.[1]?.split(" && ");
    if (process.platform === "linux" && process.arch === "x64") {
      assert.equal(commands?.length, 2, stderr);
      for (const command of commands ?? []) assert.ok(readme.includes(`\n${command}`), `README has: ${command}`);
    } else {
      assert.ok(commands?.length, stderr);
    }
  });

  it("compares against engines.node to the minor and patch", () => {
    const [major = 0, minor = 0] = required.split(".").map(Number);
    assert.equal(run(process.execPath, { GITBLOCK_PREFLIGHT_NODE_VERSION: `${major}.${minor}.0` }).code, 0);
    assert.equal(run(process.execPath, { GITBLOCK_PREFLIGHT_NODE_VERSION: `${major + 1}.0.0` }).code, 0);
    const justBelow = minor > 0 ? `${major}.${minor - 1}.99` : `${major - 1}.99.99`;
    const below = run(process.execPath, { GITBLOCK_PREFLIGHT_NODE_VERSION: justBelow });
    assert.equal(below.code, 1);
    assert.match(below.stderr, sentence(justBelow));
    assert.match(run(process.execPath, { GITBLOCK_PREFLIGHT_NODE_VERSION: "v18.19.0" }).stderr, sentence("18.19.0"));
  });
});
