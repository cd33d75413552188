#!/usr/bin/env node
import { existsSync } from "node:fs";
import { KeyError, parsePrivateKey, writeKeystore } from "@gitblock/sdk/keys";
import { Command, Option } from "commander";
import ora, { type Ora } from "ora";
import { type Address, getAddress, type Hex, isAddress } from "viem";
import { loadConfig } from "../config/load.ts";
import type { RelayerConfig } from "../config/schema.ts";
import { BAN_DURATION_MS, banUntil, liftBan } from "../economics/reputation.ts";
import { RelayerError } from "../errors.ts";
import { loadRelayerAccount } from "../keys/load-key.ts";
import { reconcileEpoch } from "../ledger/reconcile.ts";
import { createLogger } from "../log.ts";
import { Relayer } from "../relayer.ts";
import { requireJudgeable } from "../scheduler/judgeable.ts";
import { queuedTask } from "../scheduler/scheduler.ts";
import type { Progress } from "../settlement/settler.ts";
import { backupSqlite } from "../store/backup.ts";
import { openStore } from "../store/index.ts";
import type { Store, TaskStatus } from "../store/types.ts";
import { type WatchCommandOptions, watchCommand } from "../watch/watch-command.ts";
import { gbt, output, table, time } from "./format.ts";
import { diagnosisLines, settlementLine, waitingEpoch } from "./settlement-view.ts";

const program = new Command()
  .name("gitblock-relayer")
  .description("GitBlock relayer: node gateway, consensus, rewards ledger and epoch settlement")
  .option(
    "-c, --config <file>",
    "config file (JSON); environment variables override it",
    process.env.GITBLOCK_RELAYER_CONFIG,
  )
  .showHelpAfterError();

function config(): RelayerConfig {
  const file: string | undefined =
    program.opts().config ?? (existsSync("relayer.config.json") ? "relayer.config.json" : undefined);
  return loadConfig(file);
}

/** Runs `work` against the store alone (no chain, no sockets): what read commands and bans need. */
async function withStore<T>(work: (store: Store, cfg: RelayerConfig) => Promise<T>): Promise<T> {
  const cfg = config();
  const store = await openStore(cfg);
  try {
    return await work(store, cfg);
  } finally {
    await store.close();
  }
}

/** A relayer that is not serving: for settlement commands, which need the chain and the signing key. */
async function withRelayer<T>(work: (relayer: Relayer) => Promise<T>): Promise<T> {
  const cfg = config();
  const relayer = await Relayer.create({
    config: cfg,
    account: loadRelayerAccount(cfg.key),
    log: createLogger(cfg.log.level === "info" ? "warn" : cfg.log.level, 2),
  });
  try {
    return await work(relayer);
  } finally {
    await relayer.stop();
  }
}

function spinner(json: boolean): { spin: Ora; progress: Progress } {
  const spin = ora({ isSilent: json || !process.stderr.isTTY, stream: process.stderr });
  return {
    spin,
    progress: (step, fraction) => {
      const text = fraction === undefined ? step : `${step} ${Math.round(fraction * 100)}%`;
      if (spin.isSilent && !json) process.stderr.write(`${text}\n`);
      if (!spin.isSpinning) spin.start(text);
      else spin.text = text;
    },
  };
}

function parseAddress(raw: string): Address {
  if (!isAddress(raw, { strict: false })) throw new RelayerError(`"${raw}" is not an address`);
  return getAddress(raw);
}

const json = () => new Option("--json", "machine-readable output");

// --- start ---

program
  .command("start")
  .description("run the relayer: gateway, scheduler, settlement, API")
  .action(async () => {
    const cfg = config();
    const log = createLogger(cfg.log.level);
    const relayer = await Relayer.create({ config: cfg, account: loadRelayerAccount(cfg.key), log });
    const { url } = await relayer.start();
    process.stderr.write(`relayer listening on ${url}\n`);
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "shutting down");
      relayer
        .stop()
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          log.error({ err: error }, "shutdown failed");
          process.exit(1);
        });
    };
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
  });

// --- status ---

program
  .command("status")
  .description("open epoch, nodes, tasks and settlement at a glance")
  .addOption(json())
  .action(async (opts: { json?: boolean }) => {
    await withStore(async (store, cfg) => {
      const now = Date.now();
      const [open, stats, latestFinal, waiting] = [
        await store.openEpoch(now),
        await store.stats(now),
        await store.latestEpochWith(["final"]),
        await waitingEpoch(store),
      ];
      const value = {
        store: `${store.kind}:${cfg.store.path}`,
        chain: cfg.chain ? { chainId: cfg.chain.chainId, rpcUrl: cfg.chain.rpcUrl } : null,
        openEpoch: open.epoch,
        latestFinalEpoch: latestFinal?.epoch ?? null,
        settlement: waiting
          ? { epoch: waiting.epoch, status: waiting.status, proposalError: waiting.proposalError }
          : null,
        ...stats,
      };
      output(value, Boolean(opts.json), () =>
        [
          `store          ${value.store}`,
          `chain          ${value.chain ? `${value.chain.chainId} ${value.chain.rpcUrl}` : "(none: no settlement)"}`,
          `open epoch     ${value.openEpoch}   latest final: ${value.latestFinalEpoch ?? "-"}`,
          `settlement     ${settlementLine(waiting)}`,
          `nodes          ${stats.nodes} (${stats.bannedNodes} banned)`,
          `tasks          ${stats.tasksCompleted} validated, ${stats.tasksQueued} queued or running`,
          `fraud blocked  ${stats.fraudBlocked}`,
        ].join("\n"),
      );
    });
  });

// --- epochs ---

const epoch = program.command("epoch").description("epochs and their settlement");

epoch
  .command("list")
  .addOption(json())
  .action(async (opts: { json?: boolean }) => {
    await withStore(async (store) => {
      const epochs = (await store.listEpochs(1_000)).map(({ rawTx: _raw, ...e }) => e);
      output(epochs, Boolean(opts.json), () =>
        table(
          epochs.map((e) => ({
            epoch: e.epoch,
            status: e.status,
            closed: time(e.closedAt),
            leaves: e.leafCount,
            "cumulative GBT": gbt(e.cumulativeTotal),
            "network GBT": gbt(e.networkShare),
            "carried GBT": gbt(e.carryWei),
            root: e.root,
          })),
        ),
      );
    });
  });

epoch
  .command("show <epoch>")
  .addOption(json())
  .action(async (n: string, opts: { json?: boolean }) => {
    await withStore(async (store, cfg) => {
      const record = await store.getEpoch(Number(n));
      if (!record) throw new RelayerError(`no epoch ${n}`);
      const { rawTx: _raw, ...visible } = record;
      const books = await reconcileEpoch(
        store,
        record.epoch,
        cfg.rewards.ratePerTokenWei,
        cfg.verification.verifyRateBps,
      );
      const value = { ...visible, reconciliation: books };
      output(value, Boolean(opts.json), () =>
        [
          ...Object.entries(visible).map(([k, v]) => `${k.padEnd(16)} ${v ?? "-"}`),
          `books            ${books.ok ? "reconciled" : `MISMATCH: ${books.problems.join("; ")}`}`,
          `node credits     ${gbt(books.nodeCredits)} GBT, network ${gbt(books.networkCredits)} GBT`,
          `emission cap     carried in ${gbt(books.carriedIn)} GBT, out ${gbt(books.carriedOut)} GBT`,
        ].join("\n"),
      );
    });
  });

epoch
  .command("close")
  .description("close the open epoch now (snapshot every node's cumulative state)")
  .addOption(json())
  .action(async (opts: { json?: boolean }) => {
    await withRelayer(async (relayer) => {
      const { spin, progress } = spinner(Boolean(opts.json));
      const record = await relayer.settler.close(progress);
      spin.succeed(`epoch ${record.epoch} closed with ${record.leafCount} leaves`);
      output({ epoch: record.epoch, status: record.status, leafCount: record.leafCount }, Boolean(opts.json), () => "");
    });
  });

epoch
  .command("propose")
  .description("build trees and propose every closed epoch on-chain, in order; resumes interrupted proposals")
  .option("--repropose <epoch>", "propose a vetoed epoch again")
  .addOption(json())
  .action(async (opts: { json?: boolean; repropose?: string }) => {
    await withRelayer(async (relayer) => {
      const { spin, progress } = spinner(Boolean(opts.json));
      try {
        const records = opts.repropose
          ? [await relayer.settler.repropose(Number(opts.repropose), progress)]
          : await relayer.settler.advance(progress);
        const refused = records.find((r) => r.proposalError);
        const summary = records.map((r) => `epoch ${r.epoch}: ${r.status}`).join(", ") || "nothing to settle";
        if (!refused) spin.succeed(summary);
        output(
          records.map((r) => ({
            epoch: r.epoch,
            status: r.status,
            root: r.root,
            txHash: r.txHash,
            carryWei: r.carryWei,
            proposalError: r.proposalError,
          })),
          Boolean(opts.json),
          () => "",
        );
        if (refused) throw refusedError(refused);
      } catch (error) {
        spin.fail((error as Error).message);
        throw error;
      }
    });
  });

const refusedError = (record: { epoch: number; proposalError: string | null }) =>
  new RelayerError(
    `the vault refuses epoch ${record.epoch}'s proposal: ${record.proposalError}; ` +
      `\`epoch resolve ${record.epoch} --check\` shows why, \`epoch resolve ${record.epoch}\` retries once it is fixed`,
  );

epoch
  .command("resolve <epoch>")
  .description(
    "a stuck epoch: show why the vault refuses its proposal (a fresh dry run, emission against the cap and pool), " +
      "then settle it: cap its emission again with the vault's limits now, rebuild its tree if that changes it, " +
      "and propose it (a vetoed epoch is proposed again, an interrupted proposal resumed)",
  )
  .option("--check", "only show the diagnosis; change nothing")
  .addOption(json())
  .action(async (n: string, opts: { json?: boolean; check?: boolean }) => {
    const number = Number(n);
    if (!Number.isInteger(number) || number < 1) throw new RelayerError(`"${n}" is not an epoch number`);
    await withRelayer(async (relayer) => {
      const diagnosis = await relayer.settler.diagnose(number);
      if (opts.check) return output(diagnosis, Boolean(opts.json), () => diagnosisLines(diagnosis));
      if (!opts.json) process.stdout.write(`${diagnosisLines(diagnosis)}\n`);
      const { spin, progress } = spinner(Boolean(opts.json));
      let record: Awaited<ReturnType<typeof relayer.settler.resolve>>;
      try {
        record = await relayer.settler.resolve(number, progress);
      } catch (error) {
        spin.fail((error as Error).message);
        throw error;
      }
      if (record.proposalError) {
        spin.fail(`epoch ${record.epoch}: ${record.status}`);
        throw refusedError(record);
      }
      spin.succeed(`epoch ${record.epoch}: ${record.status}`);
      const { rawTx: _raw, ...visible } = record;
      output({ diagnosis, epoch: visible }, Boolean(opts.json), () => "");
    });
  });

// --- nodes ---

const nodes = program.command("nodes").description("nodes, reputation and bans");

nodes
  .command("list")
  .option("--limit <n>", "rows", "100")
  .addOption(json())
  .action(async (opts: { json?: boolean; limit: string }) => {
    await withStore(async (store) => {
      const list = await store.listNodes({ limit: Number(opts.limit), offset: 0 });
      output(list, Boolean(opts.json), () =>
        table(
          list.map((n) => ({
            address: n.address,
            reputation: `${n.reputationBps / 100}%`,
            strikes: n.strikes,
            validated: n.tasksValidated,
            failed: n.tasksFailed,
            "confirmed GBT": gbt(n.confirmedWei),
            "banned until": n.bannedUntil && n.bannedUntil > Date.now() ? time(n.bannedUntil) : "-",
          })),
        ),
      );
    });
  });

nodes
  .command("show <address>")
  .addOption(json())
  .action(async (raw: string, opts: { json?: boolean }) => {
    await withStore(async (store) => {
      const address = parseAddress(raw);
      const node = await store.getNode(address);
      if (!node) throw new RelayerError(`no node ${address}`);
      const activity = await store.nodeActivity(address, Date.now());
      const value = { ...node, ...activity };
      output(value, Boolean(opts.json), () =>
        Object.entries(value)
          .map(
            ([k, v]) =>
              `${k.padEnd(16)} ${typeof v === "bigint" ? `${gbt(v)} GBT` : typeof v === "object" && v !== null ? JSON.stringify(v) : (v ?? "-")}`,
          )
          .join("\n"),
      );
    });
  });

nodes
  .command("ban <address>")
  .option("--hours <h>", "ban length", String(BAN_DURATION_MS / 3_600_000))
  .action(async (raw: string, opts: { hours: string }) => {
    await withStore(async (store) => {
      const hours = Number(opts.hours);
      if (!(hours > 0)) throw new RelayerError(`--hours must be a positive number, not "${opts.hours}"`);
      const until = Date.now() + hours * 3_600_000;
      await store.updateNode(parseAddress(raw), (n) => banUntil(n, until));
      process.stdout.write(`banned ${raw} until ${time(until)}\n`);
    });
  });

nodes.command("unban <address>").action(async (raw: string) => {
  await withStore(async (store) => {
    await store.updateNode(parseAddress(raw), liftBan);
    process.stdout.write(`unbanned ${raw}\n`);
  });
});

// --- tasks ---

const tasks = program.command("tasks").description("the task queue");

tasks
  .command("submit")
  .requiredOption("--model <id>", "model id")
  .requiredOption("--input <text>", "prompt")
  .option("--max-tokens <n>", "tokens to generate", "64")
  .option("--seed <n>", "sampling seed (decoding is greedy)", "0")
  .addOption(json())
  .action(async (opts: { model: string; input: string; maxTokens: string; seed: string; json?: boolean }) => {
    await withStore(async (store, cfg) => {
      await requireJudgeable(store, cfg.verification);
      const task = queuedTask(
        { model: opts.model, input: opts.input, maxTokens: Number(opts.maxTokens), seed: Number(opts.seed) },
        { kind: "job", createdAt: Date.now() },
      );
      await store.insertTask(task);
      const { id } = task;
      output({ id, status: "queued" }, Boolean(opts.json), () => `queued task ${id}`);
    });
  });

tasks
  .command("list")
  .option(
    "--status <status>",
    "queued | assigned | verifying | disputed | validated | rejected | inconclusive | revoked | expired",
  )
  .option("--limit <n>", "rows", "50")
  .addOption(json())
  .action(async (opts: { status?: string; limit: string; json?: boolean }) => {
    await withStore(async (store) => {
      const list = await store.listTasks({
        limit: Number(opts.limit),
        ...(opts.status ? { status: opts.status as TaskStatus } : {}),
      });
      output(list, Boolean(opts.json), () =>
        table(
          list.map((t) => ({
            id: t.id,
            kind: t.kind,
            status: t.status,
            model: t.model,
            created: time(t.createdAt),
            tokens: t.tokensGenerated,
            epoch: t.epoch,
          })),
        ),
      );
    });
  });

// --- credits ---

const credits = program.command("credits").description("prepaid GBT credit for premium /v1 models (InferenceCredits)");

credits
  .command("show <address>")
  .description("an account's credit: on-chain (funded, settled, pending withdrawal) and the relayer's debits")
  .addOption(json())
  .action(async (raw: string, opts: { json?: boolean }) => {
    await withRelayer(async (relayer) => {
      const balance = await relayer.credits.balance(parseAddress(raw));
      const wei = (value: string) => `${gbt(BigInt(value))} GBT`;
      output(balance, Boolean(opts.json), () =>
        [
          `account          ${balance.account}`,
          `contract         ${balance.contract ?? "(none configured)"}`,
          `funded           ${wei(balance.fundedWei)}`,
          `settled spent    ${wei(balance.settledSpentWei)}`,
          `pending withdraw ${wei(balance.pendingWithdrawalWei)}${balance.unlockAt ? ` from ${time(balance.unlockAt * 1000)}` : ""}`,
          `debited          ${wei(balance.debitedWei)} (unsettled ${wei(balance.unsettledWei)}, written off ${wei(balance.writtenOffWei)})`,
          `available        ${wei(balance.availableWei)}`,
        ].join("\n"),
      );
    });
  });

credits
  .command("settle")
  .description("settle spent credit on-chain now (an interrupted settlement first); nothing new: no transaction")
  .addOption(json())
  .action(async (opts: { json?: boolean }) => {
    await withRelayer(async (relayer) => {
      const round = await relayer.credits.settle();
      output(round, Boolean(opts.json), () =>
        [
          ...round.settled.map(
            (s) =>
              `epoch ${s.epoch ?? "-"}: ${s.accounts} accounts, ${gbt(s.spentWei)} GBT spent, ${gbt(s.writtenOffWei)} GBT written off, tx ${s.txHash ?? "-"}`,
          ),
          round.stopped === "unconfigured"
            ? "no InferenceCredits or no relayer key configured: nothing settles"
            : round.stopped === "done"
              ? "nothing (more) to settle"
              : `stopped: ${round.stopped} (run it again)`,
        ].join("\n"),
      );
    });
  });

// --- watch ---

program
  .command("watch")
  .description(
    "check every proposed epoch against its published file and the previous final epoch (hash, root, nothing " +
      "backwards, increase = declared emission); on a mismatch a guardian key vetoes it, any other key disputes it " +
      "with the bond, no key only reports (JSON lines on stdout)",
  )
  .option("--rpc <url>", "JSON-RPC endpoint of the chain", process.env.GITBLOCK_RPC_URL)
  .option("--vault <address>", "the RewardsVault", process.env.GITBLOCK_REWARDS_VAULT)
  .option("--relayer <url>", "base URL of the relayer that publishes the epoch files")
  .option("--key-env <name>", "environment variable holding the watcher's 0x private key", "GITBLOCK_WATCHER_KEY")
  .option("--keystore <file>", "an encrypted keystore (v3) instead; its password comes from --password-env")
  .option("--password-env <name>", "environment variable holding the keystore's password", "GITBLOCK_KEYSTORE_PASSWORD")
  .option("--grace <seconds>", "how long after a proposal its file may be missing (at most half the window)", "3600")
  .option("--poll-ms <ms>", "how often the chain is polled", "2000")
  .option(
    "--once",
    "check the epoch pending now and exit: 0 passed (or none), 1 a mismatch, 2 its file could not be had",
  )
  .action(async (opts: Omit<WatchCommandOptions, "logLevel">) => {
    process.exitCode = await watchCommand({ ...opts, logLevel: process.env.LOG_LEVEL ?? "info" });
  });

// --- backup ---

program
  .command("backup <file>")
  .description("copy the SQLite database to <file>, consistent, while the relayer keeps running (PostgreSQL: pg_dump)")
  .addOption(json())
  .action(async (file: string, opts: { json?: boolean }) => {
    const cfg = config();
    if (cfg.store.driver !== "sqlite")
      throw new RelayerError("backup copies SQLite stores; for PostgreSQL use pg_dump");
    if (existsSync(file)) throw new RelayerError(`${file} exists; back up to a new file`);
    const { spin, progress } = spinner(Boolean(opts.json));
    try {
      const copied = await backupSqlite(cfg.store.path, file, (done, total) => progress("copying pages", done / total));
      spin.succeed(`backed up ${cfg.store.path} to ${file}`);
      output(copied, Boolean(opts.json), () => `${copied.pages} pages, integrity ${copied.integrity}`);
    } catch (error) {
      spin.fail("backup failed");
      throw error;
    }
  });

// --- keystore ---

program
  .command("keystore-create <file>")
  .description("encrypt the key in $GITBLOCK_RELAYER_KEY into a v3 keystore, password from $GITBLOCK_KEYSTORE_PASSWORD")
  .action((file: string) => {
    const key = process.env.GITBLOCK_RELAYER_KEY as Hex | undefined;
    const password = process.env.GITBLOCK_KEYSTORE_PASSWORD;
    if (!key || !password) {
      throw new RelayerError("set GITBLOCK_RELAYER_KEY and GITBLOCK_KEYSTORE_PASSWORD in the environment");
    }
    const keystore = writeKeystore(file, parsePrivateKey(key, "GITBLOCK_RELAYER_KEY"), password);
    process.stdout.write(`wrote keystore for 0x${keystore.address} to ${file}\n`);
  });

program.parseAsync().catch((error: unknown) => {
  const expected = error instanceof RelayerError || error instanceof KeyError;
  const message = expected ? error.message : error instanceof Error ? error.stack : String(error);
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
});
