import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { outputHash } from "@gitblock/sdk";
import { createPgDatabase } from "@gitblock/testkit";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { queuedTask } from "../../src/scheduler/scheduler.ts";
import { openStore } from "../../src/store/index.ts";
import type { ServedWork, Store, StoredReport, TaskRecord, TaskSnapshot, WorkWrite } from "../../src/store/types.ts";

const task = (id: string): TaskRecord =>
  queuedTask({ model: "m", input: "x", maxTokens: 4, seed: 0 }, { id, kind: "job", createdAt: 1 });

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

    it("writes commits, reveals and reports once; reports duplicate, late, unknown and premature work; judges a stage once", async () => {
      const [a, b] = await twoNodes(store);
      await store.insertTasks([task("t1"), task("t2")]);
      await store.assignTasks([
        { taskId: "t1", generator: a, now: 10, deadline: 100 },
        { taskId: "t2", generator: b, now: 10, deadline: 100 },
      ]);
      const tokens = [5, 6, 7];
      const commitment = `0x${"ab".repeat(32)}` as Hex;
      const commit = (node: Address, taskId: string, at: number): WorkWrite => ({
        kind: "commit",
        taskId,
        node,
        commitment,
        signature: "0x01",
        at,
      });
      const reveal = (node: Address, taskId: string, at: number, ids = tokens): WorkWrite => ({
        kind: "reveal",
        taskId,
        node,
        tokenIds: ids,
        opens: (c) => c === commitment,
        queueMs: 0,
        inferenceMs: 5,
        at,
      });
      const report = (node: Address, taskId: string, at: number, claim = tokens): WorkWrite => ({
        kind: "report",
        taskId,
        node,
        report: {
          claimHash: outputHash(claim),
          pass: true,
          firstFailingPosition: -1,
          nonTop1: 0,
          maxGapMicros: 0,
          scored: claim.length,
          signature: "0x02",
        },
        queueMs: 0,
        inferenceMs: 3,
        at,
      });
      const first = await store.recordWork([commit(a, "t1", 20), commit(a, "t1", 21)]);
      assert.deepEqual(first.outcomes, ["stored", "duplicate"]);
      assert.deepEqual(first.completed, [], "a commitment alone completes nothing");
      assert.deepEqual((await store.recordWork([commit(a, "t2", 20)])).outcomes, ["unknown"], "not a's task");
      assert.deepEqual((await store.recordWork([reveal(b, "t2", 20)])).outcomes, ["no_commitment"]);
      assert.deepEqual((await store.recordWork([commit(b, "t2", 101)])).outcomes, ["late"]);
      assert.deepEqual((await store.recordWork([report(b, "t1", 22)])).outcomes, ["unknown"], "b verifies nothing yet");
      const revealed = await store.recordWork([reveal(a, "t1", 30)]);
      assert.deepEqual(revealed.outcomes, ["stored"]);
      assert.deepEqual(revealed.completed, ["t1"]);
      assert.deepEqual((await store.recordWork([reveal(a, "t1", 31)])).outcomes, ["duplicate"]);
      assert.deepEqual(await store.dueTasks(50, 10), ["t1"]);
      const generator = (await store.getAssignments("t1"))[0];
      assert.deepEqual(
        [generator?.status, generator?.tokenIds, generator?.outputHash],
        ["revealed", tokens, outputHash(tokens)],
      );

      // The verifying stage: b is drawn. Judged twice at once, it is staged once.
      const stage = () => ({
        task: {
          status: "verifying" as const,
          outputHash: null,
          tokensGenerated: null,
          judgedAt: null,
          epoch: null,
          deadline: 200,
        },
        assignments: [],
        newAssignments: [{ node: b, role: "verify" as const, deadline: 200, trapTokenIds: null }],
        nodes: [],
        ledger: [],
      });
      const [s1, s2] = await Promise.all([store.judgeTasks(["t1"], 40, stage), store.judgeTasks(["t1"], 40, stage)]);
      assert.equal((s1?.length ?? 0) + (s2?.length ?? 0), 1, "staged exactly once");
      assert.equal((await store.getTask("t1"))?.status, "verifying");
      assert.deepEqual(await store.dueTasks(50, 10), [], "the new stage waits for its verifier");
      const open = await store.openAssignments(b);
      assert.deepEqual(
        open.map((o) => [o.task.id, o.assignment.role, o.claim]).sort(),
        [
          ["t1", "verify", tokens],
          ["t2", "generate", null],
        ],
        "a verifier is resent the claim",
      );
      assert.deepEqual(
        (await store.recordWork([report(b, "t1", 45, [9, 9, 9])])).outcomes,
        ["unknown"],
        "a report about another claim than the one sent",
      );
      const reported = await store.recordWork([report(b, "t1", 45)]);
      assert.deepEqual(reported, { outcomes: ["stored"], completed: ["t1"] });
      assert.deepEqual((await store.recordWork([report(b, "t1", 46)])).outcomes, ["duplicate"]);

      const decide = (snapshot: TaskSnapshot) => ({
        task: {
          status: "validated" as const,
          outputHash: outputHash(tokens),
          tokensGenerated: 3,
          judgedAt: 50,
          epoch: snapshot.openEpoch,
          deadline: snapshot.task.deadline,
        },
        assignments: snapshot.assignments.map((x) => ({
          node: x.node,
          role: x.role,
          status: "correct" as const,
          rewardWei: 7n,
        })),
        newAssignments: [],
        nodes: [...snapshot.nodes.values()].map((n) => ({ ...n, confirmedWei: n.confirmedWei + 7n })),
        ledger: snapshot.assignments.map((x) => ({
          epoch: snapshot.openEpoch,
          account: x.node,
          kind: x.role === "generate" ? ("task" as const) : ("verify" as const),
          ref: "t1",
          amountWei: 7n,
          bonusWei: 0n,
          createdAt: 50,
        })),
      });
      const seen: StoredReport[] = [];
      const [once, twice] = await Promise.all([
        store.judgeTasks(["t1"], 60, (s) => {
          for (const x of s.assignments) if (x.report) seen.push(x.report);
          return decide(s);
        }),
        store.judgeTasks(["t1"], 60, decide),
      ]);
      assert.equal((once?.length ?? 0) + (twice?.length ?? 0), 1, "judged exactly once");
      assert.ok(seen.length <= 1 && (seen.length === 0 || seen[0]?.claimHash === outputHash(tokens)));
      assert.equal((await store.getNode(a))?.confirmedWei, 7n);
      assert.equal((await store.getNode(b))?.confirmedWei, 7n);
      assert.equal((await store.ledgerEntries(1)).length, 2);
      const final = await store.getTask("t1");
      assert.deepEqual([final?.status, final?.input], ["validated", ""], "the prompt is erased once final");
      assert.deepEqual(
        (await store.getAssignments("t1")).map((x) => [x.role, x.status, x.rewardWei, x.tokenIds]),
        [
          ["generate", "correct", 7n, null],
          ["verify", "correct", 7n, null],
        ],
      );
      assert.deepEqual((await store.nodesCorrectBetween(50, 51)).sort(), [a, b].sort());
      assert.deepEqual(await store.nodesCorrectBetween(51, 1_000), [], "the window is half-open");
      assert.deepEqual(await store.nodesCorrectBetween(0, 50), []);
    });

    it("snapshots leaves in address order when closing an epoch, and the next epoch opens", async () => {
      const closed = await store.closeEpoch(50);
      assert.equal(closed.status, "closed");
      assert.equal(closed.cumulativeTotal, 14n);
      const leaves = await store.epochLeaves(closed.epoch);
      assert.equal(leaves.length, 2, "the generator and its verifier");
      for (let i = 1; i < leaves.length; i++) {
        assert.ok((leaves[i - 1]?.account.toLowerCase() ?? "") < (leaves[i]?.account.toLowerCase() ?? ""));
      }
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

    it("writes an epoch as read or not at all: a status or root changed since is refused and nothing is written", async () => {
      const proposing = await store.latestEpochWith(["proposing"]);
      assert.ok(proposing, "the epoch the test before left proposing");
      // The status read is no longer the status stored (another settler took the epoch from built to proposing).
      const asBuilt = { status: "built" as const, root: proposing.root };
      await assert.rejects(
        store.updateEpoch(proposing.epoch, { status: "proposing", rawTx: "0x03", txHash: "0x04" }, asBuilt),
        (error: Error) =>
          error.name === "EpochMovedError" && /it is proposing, not the built epoch read/.test(error.message),
      );
      // The same status, but its tree was rebuilt since it was read (another root).
      const rebuilt = { status: "proposing" as const, root: `0x${"33".repeat(32)}` as const };
      await assert.rejects(
        store.updateEpoch(proposing.epoch, { status: "proposed" }, rebuilt),
        (error: Error) => error.name === "EpochMovedError" && /its tree was rebuilt/.test(error.message),
      );
      const untouched = await store.getEpoch(proposing.epoch);
      assert.equal(untouched?.status, "proposing");
      assert.equal(untouched?.rawTx, "0x01", "the refused writes left the stored proposal alone");
      const moved = await store.updateEpoch(proposing.epoch, { status: "proposed", proposedAt: 70 }, proposing);
      assert.equal(moved.status, "proposed", "as read, the write goes through");
      assert.equal(moved.proposedAt, 70);
      // Written back so that later tests find the epoch as the test before left it.
      await store.updateEpoch(proposing.epoch, { status: "proposing", proposedAt: null }, moved);
    });

    it("records a burst of served parts in one call: in order, each node paid on its previous part's balance, an unknown node refused", async () => {
      const [a, b] = await twoNodes(store);
      const before = (await store.getNode(a))?.confirmedWei ?? 0n;
      const served = (id: string, node: Address, sampled: boolean, tokens: number): ServedWork => ({
        id,
        node,
        model: "m",
        input: `prompt ${id}`,
        prefix: [],
        tokenIds: Array.from({ length: tokens }, (_, i) => i + 3),
        maxTokens: tokens,
        temperature: 0,
        seed: 1,
        queueMs: 1,
        inferenceMs: 2,
        sampled,
        // Paid by the node's balance so far, so that the test sees each part read the one before it.
        reward: (record, n) => ({ node: BigInt(n) + record.confirmedWei - before, network: 1n, bonus: 0n }),
        now: 10,
      });
      const outcomes = await store.recordServed([
        served("s1", a, false, 5),
        served("s2", b, true, 4),
        served("s3", a, false, 2),
      ]);
      assert.deepEqual(outcomes, [
        { status: "validated", rewardWei: 5n },
        { status: "assigned", rewardWei: 0n },
        { status: "validated", rewardWei: 7n },
      ]);
      assert.equal((await store.getNode(a))?.confirmedWei, before + 12n);
      const claim = await store.getTask("s2");
      assert.equal(claim?.status, "assigned");
      assert.equal(claim?.input, "prompt s2", "a sampled answer keeps its prompt for its verifiers");
      assert.equal((await store.getTask("s1"))?.outputHash, outputHash([3, 4, 5, 6, 7]));
      const stranger = privateKeyToAddress(generatePrivateKey());
      await assert.rejects(
        store.recordServed([served("s4", a, false, 1), served("s5", stranger, false, 1)]),
        /No node/,
      );
      assert.equal(await store.getTask("s4"), undefined, "nothing of a refused burst is written");
    });

    it("consumes a sign-in nonce once", async () => {
      await store.saveNonce(`0x${"cd".repeat(32)}`, 1_000);
      assert.equal(await store.consumeNonce(`0x${"cd".repeat(32)}`, 10), "ok");
      assert.equal(await store.consumeNonce(`0x${"cd".repeat(32)}`, 10), "used");
      assert.equal(await store.consumeNonce(`0x${"ef".repeat(32)}`, 10), "unknown");
    });

    it("judges a batch in one call: work arriving together, a node carried from task to task, repeats once", async () => {
      const [a] = await twoNodes(store);
      await store.insertTasks([task("u1"), task("u2")]);
      await store.assignTasks(["u1", "u2"].map((taskId) => ({ taskId, generator: a, now: 10, deadline: 100 })));
      const commitment = `0x${"cd".repeat(32)}` as Hex;
      const work = ["u1", "u2"].flatMap((taskId): WorkWrite[] => [
        { kind: "commit", taskId, node: a, commitment, signature: "0x01", at: 20 },
        {
          kind: "reveal",
          taskId,
          node: a,
          tokenIds: [1, 2, 3],
          opens: (c) => c === commitment,
          queueMs: 0,
          inferenceMs: 5,
          at: 21,
        },
      ]);
      const { outcomes, completed } = await store.recordWork(work);
      assert.deepEqual(outcomes, ["stored", "stored", "stored", "stored"], "a commit and its reveal in one batch");
      assert.deepEqual(completed.sort(), ["u1", "u2"], "each task completes once");

      const before = (await store.getNode(a))?.confirmedWei ?? 0n;
      const seen: bigint[] = [];
      const judged = await store.judgeTasks(["u1", "u2", "u1"], 40, (snapshot) => {
        const node = snapshot.nodes.get(a);
        seen.push(node?.confirmedWei ?? -1n);
        return {
          task: {
            status: "validated",
            outputHash: outputHash([1, 2, 3]),
            tokensGenerated: 3,
            judgedAt: 40,
            epoch: snapshot.openEpoch,
            deadline: snapshot.task.deadline,
          },
          assignments: snapshot.assignments.map((x) => ({
            node: x.node,
            role: x.role,
            status: "correct",
            rewardWei: 5n,
          })),
          newAssignments: [],
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
      assert.equal((await store.getNode(a))?.confirmedWei, before + 10n);
    });

    it("a reveal that does not open the commitment is stored as a mismatch, without its tokens", async () => {
      const [a] = await twoNodes(store);
      await store.insertTasks([task("m1")]);
      await store.assignTasks([{ taskId: "m1", generator: a, now: 10, deadline: 100 }]);
      const commitment = `0x${"ef".repeat(32)}` as Hex;
      const result = await store.recordWork([
        { kind: "commit", taskId: "m1", node: a, commitment, signature: "0x01", at: 20 },
        {
          kind: "reveal",
          taskId: "m1",
          node: a,
          tokenIds: [4],
          opens: () => false,
          queueMs: 0,
          inferenceMs: 1,
          at: 21,
        },
      ]);
      assert.deepEqual(result, { outcomes: ["stored", "stored"], completed: ["m1"] });
      const [generator] = await store.getAssignments("m1");
      assert.deepEqual([generator?.status, generator?.tokenIds, generator?.outputHash], ["mismatch", null, null]);
    });

    it("assigns the tasks of a dispatch pass still queued and leaves out the rest, and resends open assignments with their tasks", async () => {
      const [a, b] = await twoNodes(store);
      await store.insertTasks([task("v1"), task("v2"), task("v3")]);
      const pass = (taskId: string, generator = a) => ({ taskId, generator, now: 10, deadline: 100 });
      assert.deepEqual(await store.assignTasks([pass("v3", b)]), new Set(["v3"]));
      assert.deepEqual(
        await store.assignTasks([pass("v1"), pass("v1"), pass("nope"), pass("v3")]),
        new Set(["v1"]),
        "assigned already, listed twice or unknown: left out, the rest assigned",
      );
      assert.deepEqual(
        (await store.getAssignments("v1")).map((x) => x.node),
        [a],
        "a task listed twice gets one generator",
      );
      assert.deepEqual(
        (await store.getAssignments("v3")).map((x) => x.node),
        [b],
        "a task already assigned keeps its generator",
      );
      assert.deepEqual(await store.assignTasks([pass("v2")]), new Set(["v2"]));
      const open = await store.openAssignments(a);
      assert.deepEqual(open.map((o) => o.task.id).sort(), ["v1", "v2"]);
      for (const { task: t, assignment, claim } of open) {
        assert.equal(t.status, "assigned");
        assert.equal(t.deadline, 100);
        assert.equal(claim, null, "a generator is sent no claim");
        assert.deepEqual(
          [
            assignment.taskId,
            assignment.node,
            assignment.role,
            assignment.status,
            assignment.assignedAt,
            assignment.rewardWei,
          ],
          [t.id, a, "generate", "assigned", 10, 0n],
        );
      }
      assert.deepEqual(
        (await store.openAssignments(b)).map((o) => o.task.id),
        ["v3"],
      );
      assert.deepEqual(
        (await store.getNodes([b, a])).map((n) => n.address),
        [b, a],
        "nodes come back in the order asked",
      );
    });

    it("withdraws a banned node's open assignments once, and the task becomes due", async () => {
      const [a] = await twoNodes(store);
      await store.insertTasks([task("w1")]);
      await store.assignTasks([{ taskId: "w1", generator: a, now: 10, deadline: 1_000 }]);
      assert.ok(!(await store.dueTasks(20, 100)).includes("w1"));
      assert.deepEqual(await store.withdrawAssignments(a, 20), ["w1"]);
      assert.deepEqual(await store.withdrawAssignments(a, 21), [], "nothing left to withdraw");
      assert.equal((await store.getAssignments("w1"))[0]?.status, "withdrawn");
      assert.deepEqual(await store.openAssignments(a), []);
      assert.ok((await store.dueTasks(20, 100)).includes("w1"), "judged next: back to the queue");
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
