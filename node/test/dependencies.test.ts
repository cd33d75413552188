import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runToEnd, spawnNpm } from "@gitblock/testkit";

interface NpmTree {
  dependencies?: Record<string, NpmTree>;
}

function names(tree: NpmTree, into = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(tree.dependencies ?? {})) {
    into.add(name);
    names(child, into);
  }
  return into;
}

describe("what a GPU box installs with the headless node", () => {
  it("is the sdk and the CLI's own few packages: no relayer, web server, database driver or query builder", async () => {
    const { code, output } = await runToEnd(spawnNpm(["ls", "--omit=dev", "--all", "--json", "-w", "node"]));
    assert.equal(code, 0, output);
    const installed = names(JSON.parse(output) as NpmTree);
    assert.ok(installed.has("@gitblock/sdk"), "the node runs on the sdk");
    for (const server of ["@gitblock/relayer", "@gitblock/testkit", "express", "pg", "kysely", "better-sqlite3"]) {
      assert.ok(!installed.has(server), `${server} is a production dependency of the node`);
    }
  });
});
