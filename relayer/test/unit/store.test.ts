import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createPgDatabase } from "@gitblock/testkit";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { queuedTask } from "../../src/scheduler/scheduler.ts";
import { openStore } from "../../src/store/index.ts";
import type { Store, TaskRecord } from "../../src/store/types.ts";

const task = (id: string): TaskRecord =>
  queuedTask({ model: "m", input: "x", maxTokens: 4, seed: 0 }, { id, kind: "job", redundancy: 2, createdAt: 1 });

/** Two signed-in nodes on fresh wallets. */
async function twoNodes(store: Store): Promise<[Address, Address]> {
  const nodes: [Address, Address] = [
    privateKeyToAddress(generatePrivateKey()),
    privateKeyToAddress(generatePrivateKey()),
  ];
  for (const node of nodes) await store.touchNode(node, 1);
  return nodes;
}

// One store, two dialects: the same contract on each, in one run.
for (const driver of ["sqlite", "postgres"] as const) {
  describe(`store contract (${driver})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => {
      if (driver === "postgres") {
        const db = await createPgDatabase();
        store = await openStore({ store: { driver: "postgres", path: "unused", url: db.url } });
        cleanup = db.drop;
      } else {
        const dir = mkdtempSync(path.join(tmpdir(), "gitblock-store-"));
        store = await openStore({ store: { driver: "sqlite", path: path.join(dir, "s.db") } });
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      }
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    it("writes results once, reports duplicates, late and unknown results, and judges a task exactly once", async () => {
      const [a, b] = await twoNodes(store);
      await store.insertTasks([task("t1"), task("t2")]);
      await store.assignTasks([{ taskId: "t1", nodes: [a as Address, b as Address], now: 10, deadline: 100 }]);
      const hash = `0x${"ab".repeat(32)}` as const;
      const write = (node: Address, taskId: string, at: number) => ({
        taskId,
        node,
        outputHash: hash,
        tokensGenerated: 3,
        queueMs: 0,
        inferenceMs: 5,
        submittedAt: at,
      });
      const first = await store.recordResults([write(a as Address, "t1", 20), write(a as Address, "t1", 21)]);
      assert.deepEqual(first.outcomes, ["stored", "duplicate"]);
      assert.deepEqual(first.completed, []);
      assert.deepEqual((await store.recordResults([write(b as Address, "t2", 20)])).outcomes, ["unknown"]);
      assert.deepEqual((await store.recordResults([write(b as Address, "t1", 101)])).outcomes, ["late"]);
      const second = await store.recordResults([write(b as Address, "t1", 30)]);
      assert.deepEqual(second.completed, ["t1"]);
      assert.deepEqual(await store.dueTasks(50, 10), ["t1"]);

      const decide = (snapshot: Parameters<Parameters<Store["judgeTasks"]>[1]>[0]) => ({
        task: {
          status: "validated" as const,
          outputHash: hash,
          tokensGenerated: 3,
          judgedAt: 40,
          epoch: snapshot.openEpoch,
        },
        assignments: snapshot.assignments.map((x) => ({ node: x.node, status: "correct" as const, rewardWei: 7n })),
        nodes: [...snapshot.nodes.values()].map((n) => ({ ...n, confirmedWei: n.confirmedWei + 7n })),
        ledger: snapshot.assignments.map((x) => ({
          epoch: snapshot.openEpoch,
          account: x.node,
          kind: "task" as const,
          ref: "t1",
          amountWei: 7n,
          bonusWei: 0n,
          createdAt: 40,
        })),
      });
      const [once, twice] = await Promise.all([store.judgeTasks(["t1"], decide), store.judgeTasks(["t1"], decide)]);
      assert.equal((once?.length ?? 0) + (twice?.length ?? 0), 1, "judged exactly once");
      assert.equal((await store.getNode(a as Address))?.confirmedWei, 7n);
      assert.equal((await store.ledgerEntries(1)).length, 2);
    });

    it("snapshots leaves in address order when closing an epoch, and the next epoch opens", async () => {
      const closed = await store.closeEpoch(50);
      assert.equal(closed.status, "closed");
      assert.equal(closed.cumulativeTotal, 14n);
      const leaves = await store.epochLeaves(closed.epoch);
      assert.equal(leaves.length, 2);
      assert.ok((leaves[0]?.account.toLowerCase() ?? "") < (leaves[1]?.account.toLowerCase() ?? ""));
      assert.equal((await store.openEpoch(60)).epoch, closed.epoch + 1);
      await store.saveEpochTree(
        closed.epoch,
        `0x${"11".repeat(32)}`,
        `0x${"22".repeat(32)}`,
        new Uint8Array([1, 2, 3]),
      );
      assert.deepEqual([...((await store.epochTree(closed.epoch)) ?? [])], [1, 2, 3]);
      assert.equal((await store.getEpoch(closed.epoch))?.status, "built");
      const updated = await store.updateEpoch(closed.epoch, { status: "proposing", rawTx: "0x01", txHash: "0x02" });
      assert.equal(updated.rawTx, "0x01");
      assert.equal((await store.latestEpochWith(["proposing"]))?.epoch, closed.epoch);
    });

    it("consumes a sign-in nonce once", async () => {
      await store.saveNonce(`0x${"cd".repeat(32)}`, 1_000);
      assert.equal(await store.consumeNonce(`0x${"cd".repeat(32)}`, 10), "ok");
      assert.equal(await store.consumeNonce(`0x${"cd".repeat(32)}`, 10), "used");
      assert.equal(await store.consumeNonce(`0x${"ef".repeat(32)}`, 10), "unknown");
    });

    it("judges a batch in one call: answers arriving together, a node carried from task to task, repeats once", async () => {
      const [a, b] = await twoNodes(store);
      await store.insertTasks([task("u1"), task("u2")]);
      await store.assignTasks(
        ["u1", "u2"].map((taskId) => ({ taskId, nodes: [a as Address, b as Address], now: 10, deadline: 100 })),
      );
      const hash = `0x${"cd".repeat(32)}` as const;
      const answers = ["u1", "u2"].flatMap((taskId) =>
        [a, b].map((node) => ({
          taskId,
          node: node as Address,
          outputHash: hash,
          tokensGenerated: 3,
          queueMs: 0,
          inferenceMs: 5,
          submittedAt: 20,
        })),
      );
      const { outcomes, completed } = await store.recordResults(answers);
      assert.deepEqual(outcomes, ["stored", "stored", "stored", "stored"]);
      assert.deepEqual(completed.sort(), ["u1", "u2"], "both answers in one batch complete each task once");

      const before = (await store.getNode(a as Address))?.confirmedWei ?? 0n;
      const seen: bigint[] = [];
      const judged = await store.judgeTasks(["u1", "u2", "u1"], (snapshot) => {
        const node = snapshot.nodes.get(a as Address);
        seen.push(node?.confirmedWei ?? -1n);
        return {
          task: { status: "validated", outputHash: hash, tokensGenerated: 3, judgedAt: 40, epoch: snapshot.openEpoch },
          assignments: snapshot.assignments.map((x) => ({ node: x.node, status: "correct", rewardWei: 5n })),
          nodes: [...snapshot.nodes.values()].map((n) => ({ ...n, confirmedWei: n.confirmedWei + 5n })),
          ledger: [],
        };
      });
      assert.deepEqual(
        judged.map((s) => s.taskId),
        ["u1", "u2"],
        "a repeated id is judged once",
      );
      assert.deepEqual(seen, [before, before + 5n], "the second task sees the first task's credit");
      assert.equal((await store.getNode(a as Address))?.confirmedWei, before + 10n);
    });
    it("assigns a dispatch pass all or nothing, and resends open assignments with their tasks", async () => {
      const [a, b] = await twoNodes(store);
      await store.insertTasks([task("v1"), task("v2")]);
      const pass = (taskId: string) => ({ taskId, nodes: [a as Address, b as Address], now: 10, deadline: 100 });
      await assert.rejects(store.assignTasks([pass("v1"), pass("v1")]), /Task v1 is not queued/);
      await assert.rejects(store.assignTasks([pass("v1"), pass("nope")]), /Task nope is not queued/);
      assert.equal((await store.getTask("v1"))?.status, "queued", "a refused pass writes nothing");
      assert.deepEqual(await store.getAssignments("v1"), []);
      await store.assignTasks([pass("v1"), pass("v2")]);
      const open = await store.openAssignments(a as Address);
      assert.deepEqual(open.map((o) => o.task.id).sort(), ["v1", "v2"]);
      for (const { task: t, assignment } of open) {
        assert.equal(t.status, "assigned");
        assert.equal(t.deadline, 100);
        assert.deepEqual(
          [assignment.taskId, assignment.node, assignment.status, assignment.assignedAt, assignment.rewardWei],
          [t.id, a, "assigned", 10, 0n],
        );
      }
      assert.deepEqual(
        (await store.getNodes([b as Address, a as Address])).map((n) => n.address),
        [b, a],
        "nodes come back in the order asked",
      );
    });

    it("credits a passive window once per account, capped per day", async () => {
      const [a, b] = await twoNodes(store);
      const credit = (window: string, accounts: Address[]) =>
        store.creditPassive(accounts, window, 0, 60n, 100n, 1_000);
      assert.deepEqual(await credit("w1", [a as Address, b as Address, a as Address]), [a, b]);
      assert.deepEqual(await credit("w1", [a as Address]), [], "the same window credits once");
      assert.deepEqual(await credit("w2", [a as Address]), [a]);
      assert.deepEqual(await credit("w3", [a as Address]), [], "the day's cap is reached");
      assert.equal((await store.getNode(a as Address))?.confirmedWei, 100n, "60 then the 40 left under the cap");
      assert.equal((await store.getNode(b as Address))?.confirmedWei, 60n);
    });
  });
}
