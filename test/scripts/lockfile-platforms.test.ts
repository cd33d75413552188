import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { runToEnd, spawnNpm } from "@gitblock/testkit";

const lockfile = path.resolve(import.meta.dirname, "../../package-lock.json");

describe("npm run lockfile:platforms", () => {
  it("finds the committed lock complete", async () => {
    const { code, output } = await runToEnd(spawnNpm(["run", "lockfile:platforms", "--", "--check"]));
    assert.equal(code, 0, output);
    assert.match(output, /every optional platform package is listed/);
  });

  it("lists a platform package that `npm install` left out, as optional, and --check reports it first", async () => {
    const copy = path.join(await mkdtemp(path.join(tmpdir(), "gitblock-lock-")), "package-lock.json");
    await copyFile(lockfile, copy);
    const lock = JSON.parse(await readFile(copy, "utf8")) as { packages: Record<string, { optional?: boolean }> };
    const [missing] = Object.keys(lock.packages).filter((key) => /node_modules\/@biomejs\/cli-darwin-arm64$/.test(key));
    assert.ok(missing, "the lock lists Biome's macOS build");
    delete lock.packages[missing];
    await writeFile(copy, JSON.stringify(lock, null, 2));

    const checked = await runToEnd(spawnNpm(["run", "lockfile:platforms", "--", "--check", "--lockfile", copy]));
    assert.equal(checked.code, 1);
    assert.match(checked.output, /@biomejs\/cli-darwin-arm64/);

    const fixed = await runToEnd(spawnNpm(["run", "lockfile:platforms", "--", "--lockfile", copy]));
    assert.equal(fixed.code, 0, fixed.output);
    const after = JSON.parse(await readFile(copy, "utf8")) as typeof lock;
    assert.equal(after.packages[missing]?.optional, true);
  });
});
