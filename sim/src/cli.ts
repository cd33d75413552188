#!/usr/bin/env node
// gitblock-sim: a simulated fleet (honest and dishonest nodes of several hardware classes, each with its own wallet)
// driving a relayer, ending with a report. Runs its own relayer in this process, with the fleet's reference verifiers
// as its dispute tier, unless --relayer points at one (which then needs its own reference verifiers).
import { Command } from "commander";
import { BEHAVIOURS, Fleet, type FleetOptions, parseMix, referenceAccounts } from "./fleet.ts";
import { type LocalRelayer, remoteRelayer, startLocalRelayer } from "./local-relayer.ts";
import { formatProgress, formatReport, reportJson } from "./report.ts";

const program = new Command()
  .name("gitblock-sim")
  .description("simulated fleet of GitBlock nodes (simulation engine, no real model) with a final report")
  .option("--mix <spec>", `behaviour=count,…  (${BEHAVIOURS.join(", ")})`, "honest=12,slow=1,liar=2,colluder=3,flaky=2")
  .option("--tasks <n>", "jobs to submit", "200")
  .option("--max-tokens <n>", "tokens per job", "16")
  .option("--capacity <n>", "tasks per node at once", "2")
  .option("--classes <n>", "hardware classes the nodes are spread over", "4")
  .option("--noise <nats>", "logit noise of each hardware class (honest disagreement grows with it)", "0.001")
  .option("--delta <nats>", "δ of the simulated model (own relayer; steerers steer within it)", "0.05")
  .option(
    "--references <n>",
    "reference verifiers (the dispute tier) the fleet runs: default 2 with its own relayer, 0 with --relayer (whose config must name their addresses: `referenceAccounts`)",
  )
  .option("--verifiers <trusted,untrusted>", "verifiers per claim (own relayer only)", "2,4")
  .option("--quorum-bps <bps>", "share of verifying weight whose reports must pass (own relayer only)", "6600")
  .option("--challenge-rate <share>", "challenges per job, and audited jobs (own relayer only)", "0.1")
  .option("--trap-rate <share>", "claims that also get a trap (own relayer only)", "0.05")
  .option("--task-timeout-ms <ms>", "task deadline (own relayer only; slow nodes miss it)", "2000")
  .option("--lie-rate <share>", "share of tasks a liar lies on", "1")
  .option("--slow-rate <share>", "share of tasks a slow node misses", "0.5")
  .option("--groups <n>", "colluding groups", "1")
  .option("--flaky-every-ms <ms>", "a flaky node drops its connection this often", "3000")
  .option("--seed <n>", "seed of the simulation's randomness", "1")
  .option("--relayer <url>", "drive an existing relayer instead of starting one (needs --admin-token)")
  .option("--admin-token <token>", "the relayer's api.adminToken, to submit jobs (env GITBLOCK_ADMIN_TOKEN)")
  .option("--every <ms>", "keep running until stopped, submitting one job every <ms> (a live network; ignores --tasks)")
  .option("--json", "print the report as JSON")
  .action(async (opts) => {
    let local: LocalRelayer | null = null;
    const seed = Number(opts.seed);
    const references = Number(opts.references ?? (opts.relayer ? 0 : 2));
    // The relayer's challenges are drawn from the fleet's job inputs; the fleet exists only after the relayer does.
    let fleetInput = (random: () => number) => `sim task: ${Math.floor(random() * 1e12).toString(36)}`;
    let target: { url: string; submit: FleetOptions["submit"]; pending: FleetOptions["pending"]; timeout: number };
    if (opts.relayer) {
      const token = opts.adminToken ?? process.env.GITBLOCK_ADMIN_TOKEN;
      if (!token) throw new Error("--relayer needs --admin-token (or GITBLOCK_ADMIN_TOKEN) to submit jobs");
      target = { url: opts.relayer, ...remoteRelayer(opts.relayer, token), timeout: Number(opts.taskTimeoutMs) };
    } else {
      const [trusted = 2, untrusted = 4] = String(opts.verifiers).split(",").map(Number);
      local = await startLocalRelayer({
        quorumBps: Number(opts.quorumBps),
        challengeRate: Number(opts.challengeRate),
        trapRate: Number(opts.trapRate),
        verifiers: { trusted, untrusted },
        delta: Number(opts.delta),
        referenceVerifiers: referenceAccounts(seed, references).map((a) => a.address),
        taskTimeoutMs: Number(opts.taskTimeoutMs),
        challengeInput: (random) => fleetInput(random),
      });
      target = { url: local.url, submit: local.submit, pending: local.pending, timeout: local.taskTimeoutMs };
    }
    const log = (line: string) => (opts.json ? process.stderr.write(`${line}\n`) : console.log(line));
    log(`gitblock-sim: relayer ${target.url}${local ? " (in this process)" : ""}`);
    const fleet = new Fleet({
      relayerUrl: target.url,
      submit: target.submit,
      pending: target.pending,
      mix: parseMix(String(opts.mix)),
      tasks: Number(opts.tasks),
      maxTokens: Number(opts.maxTokens),
      capacity: Number(opts.capacity),
      classes: Number(opts.classes),
      noise: Number(opts.noise),
      delta: Number(opts.delta),
      references,
      lieRate: Number(opts.lieRate),
      slowRate: Number(opts.slowRate),
      colluderGroups: Number(opts.groups),
      flakyEveryMs: Number(opts.flakyEveryMs),
      taskTimeoutMs: target.timeout,
      seed,
      onProgress: (p) => log(formatProgress(p)),
    });
    fleetInput = (random) => fleet.jobInput(random);
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await fleet.stop();
      await local?.stop();
    };
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        log(opts.every ? "stopped: report" : "interrupted: report so far");
        log(formatReport(fleet.report()));
        void stop().then(() => process.exit(opts.every ? 0 : 130));
      });
    }
    await fleet.start();
    if (opts.every) {
      log(`${fleet.nodeCount} nodes signed in; one job every ${opts.every} ms until stopped`);
      await fleet.feed(Number(opts.every));
      return;
    }
    log(
      `${fleet.nodeCount} nodes signed in${references ? ` (and ${references} reference verifiers)` : ""}; submitting ${opts.tasks} jobs`,
    );
    const report = await fleet.run();
    await stop();
    if (opts.json) console.log(reportJson(report));
    else console.log(formatReport(report));
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? `error: ${error.message}` : error);
  process.exit(1);
});
