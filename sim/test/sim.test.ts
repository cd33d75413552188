import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runCli, SIM_CLI } from "@gitblock/testkit";
import type { Address } from "viem";
import { Fleet, type FleetReport, referenceAccounts } from "../src/fleet.ts";
import { type LocalRelayer, startLocalRelayer } from "../src/local-relayer.ts";
import { formatReport } from "../src/report.ts";

describe("fleet simulator", () => {
  let local: LocalRelayer;
  let fleet: Fleet;
  let report: FleetReport;
  before(async () => {
    local = await startLocalRelayer({
      challengeRate: 0.2,
      taskTimeoutMs: 800,
      referenceVerifiers: referenceAccounts(7, 2).map((a) => a.address),
      challengeInput: (random) => fleet.jobInput(random),
    });
    fleet = new Fleet({
      relayerUrl: local.url,
      submit: local.submit,
      pending: local.pending,
      mix: { honest: 7, slow: 1, liar: 1, colluder: 2, flaky: 1 },
      references: 2,
      delta: local.delta,
      tasks: 60,
      taskTimeoutMs: local.taskTimeoutMs,
      flakyEveryMs: 700,
      reconnectMs: 100,
      seed: 7,
    });
    await fleet.start();
    report = await fleet.run();
    await fleet.stop();
  });
  after(async () => {
    await local?.stop();
  });

  it("every behaviour shows in the run", () => {
    assert.equal(report.nodes, 12, "the reference verifiers are not counted as the fleet's nodes");
    assert.equal(report.unfinished, 0, formatReport(report));
    assert.ok(report.validated >= 45, formatReport(report));
    assert.ok(report.tasks > report.submitted, "hidden challenges were mixed in");
    const by = (b: string) => report.perNode.filter((n) => n.behaviour === b);
    assert.ok(
      by("liar").every((n) => n.wrong > 0),
      "the liar's claims were rejected",
    );
    assert.ok(
      by("colluder").every((n) => n.wrong > 0),
      "colluders were caught at least once (two of them never hold both verifier seats of each other's claim)",
    );
    assert.ok(
      by("reference").every((n) => n.verifications > 0),
      "the dispute tier decided disputes and challenges",
    );
    assert.ok(
      by("slow").every((n) => n.timeouts > 0),
      "the slow node timed out",
    );
    const flaky = fleet.members.find((m) => m.behaviour === "flaky");
    assert.ok((flaky?.client.stats.reconnects ?? 0) > 0, "the flaky node dropped and reconnected");
    assert.ok((flaky?.summary.correct ?? 0) > 0, "and kept earning");
    assert.ok(report.creditedWei > 0n);
  });

  it("the report's numbers match the relayer's own counts", async () => {
    const store = local.relayer.store;
    const stats = await store.stats(Date.now());
    assert.equal(report.validated, stats.tasksCompleted, "validated");
    assert.equal(report.wrongVerdicts, stats.fraudBlocked, "wrong verdicts");
    assert.equal(report.bans, stats.bannedNodes, "bans");
    // 12 nodes over 8 countries: the network map of a simulated network has every country on it.
    assert.equal(Object.keys(stats.nodesPerCountry).length, 8, JSON.stringify(stats.nodesPerCountry));
    assert.equal(stats.nodesPerCountry.DE, 2);
    const settled = await Promise.all(
      (["validated", "inconclusive", "rejected", "revoked"] as const).map((status) =>
        store.listTasks({ status, limit: 10_000 }),
      ),
    );
    const [validated = [], inconclusive = [], , revoked = []] = settled;
    assert.equal(report.inconclusive, inconclusive.length, "inconclusive");
    assert.equal(report.revoked, revoked.length, "revoked");
    assert.equal(report.tasks, settled.flat().length, "tasks settled");
    // Accepted-wrong: validated tasks whose claim (found by the stored output hash) the true model fails at δ.
    const wrongAccepted = validated.filter((t) => {
      const wrong = t.outputHash ? fleet.acceptedWrongClaim(t.id, t.outputHash) : undefined;
      assert.ok(wrong !== undefined, `the fleet generated validated task ${t.id}`);
      return wrong;
    }).length;
    assert.equal(report.acceptedWrong, wrongAccepted, "accepted-wrong");
    let credited = 0n;
    for (const n of report.perNode) {
      const record = await store.getNode(n.address as Address);
      assert.ok(record, n.address);
      assert.equal(record.confirmedWei, n.creditedWei, `GBT credited to ${n.behaviour} ${n.address}`);
      assert.equal(record.strikes, n.strikes, `strikes of ${n.behaviour} ${n.address}`);
      assert.equal(record.tasksValidated, n.correct, `tasks validated of ${n.behaviour}`);
      credited += record.confirmedWei;
    }
    assert.equal(report.creditedWei, credited, "GBT credited");
    const honestStruck = report.perNode.filter(
      (n) => (n.behaviour === "honest" || n.behaviour === "flaky") && n.wrong > 0,
    ).length;
    assert.equal(report.honestWronglyStruck, honestStruck);
  });

  it("gitblock-sim runs as a command and prints progress and the report", async () => {
    const run = await runCli(SIM_CLI, ["--mix", "honest=5,liar=1", "--tasks", "20", "--challenge-rate", "0", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /6 nodes signed in/);
    const json = JSON.parse(run.stdout);
    assert.equal(json.submitted, 20);
    assert.equal(json.validated + json.rejected, 20, "the liar's claims are rejected, the others validated");
    assert.ok(json.rejected > 0);
    assert.equal(json.acceptedWrong, 0);
    assert.equal(json.honestWronglyStruck, 0);
    // Generators and verifiers are drawn at random, so how often the liar is caught varies from run to run: it is
    // banned exactly when it collected three strikes (wrong verdicts and timeouts) in the run.
    const liar = (json.perNode as Array<{ behaviour: string; wrong: number; timeouts: number }>).find(
      (n) => n.behaviour === "liar",
    );
    assert.ok(liar && liar.wrong > 0, "the liar was caught");
    assert.equal(json.bansByBehaviour.liar, liar.wrong + liar.timeouts >= 3 ? 1 : 0, "banned at three strikes");
  });
});
