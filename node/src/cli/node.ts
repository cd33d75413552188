#!/usr/bin/env node
// gitblock-node: the headless node. `start` runs tasks from a relayer on an inference server (or the simulation) and
// serves users' requests from its `/v1` gateway,
// `status` asks the relayer about a node, `claim` claims its final GBT from the vault, `earnings` lists what it earned
// per epoch from the relayer's epoch files, `calibrate` measures the agreement rule's δ for a GGUF model, `keys`
// manages the encrypted keystore. Every failure is written by ./explain-error.ts (a service that does not answer is
// named with its URL and the flag that points at it).
import { readFileSync } from "node:fs";
import { RelayerApi, toJson } from "@gitblock/sdk";
import { NodeClient } from "@gitblock/sdk/client";
import {
  KeyError,
  keystoreAddress,
  parsePrivateKey,
  promptSecret,
  readKeystore,
  writeKeystore,
} from "@gitblock/sdk/keys";
import { Command, Option } from "commander";
import { getAddress, parseEther } from "viem";
import { generatePrivateKey } from "viem/accounts";
import {
  calibrationConfig,
  DEFAULT_CALIBRATION_PROMPTS,
  formatAgreementTable,
  ggufCalibration,
  measureAgreement,
  parsePrompts,
} from "../calibration/index.ts";
import { embeddedEngine, engineFromSpec } from "../engines.ts";
import { DEFAULT_KEYSTORE, KEY_ENV, keystorePassword, loadNodeAccount } from "../keys.ts";
import { accountAddress } from "./account-address.ts";
import { registerClaimCommand } from "./claim-command.ts";
import { registerEarningsCommand } from "./earnings-command.ts";
import { explainError } from "./explain-error.ts";
import { gbt, pct } from "./format.ts";

const DEFAULT_RELAYER = process.env.GITBLOCK_RELAYER_URL ?? "http://127.0.0.1:8080";

/** `--price-floor 0.002` → wei; GBT has 18 decimals. */
function priceFloorWei(value: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value.trim())) {
    throw new Error(`--price-floor must be an amount of GBT like 0.002, got "${value}"`);
  }
  return parseEther(value.trim());
}

const program = new Command()
  .name("gitblock-node")
  .description("GitBlock headless node: run inference tasks from a relayer and earn GBT")
  .showHelpAfterError();

program
  .command("start")
  .description(
    "sign in to the relayer, run its tasks and serve users' requests from its /v1 gateway until stopped (Ctrl-C)",
  )
  .option("--relayer <url>", "relayer base URL (env GITBLOCK_RELAYER_URL)", DEFAULT_RELAYER)
  .option(
    "--engine <url|sim>",
    "OpenAI-compatible inference server (llama.cpp, vLLM, Ollama), or `sim` for the simulation engine (no model)",
  )
  .option("--model <file.gguf>", "run this GGUF model in the node itself (llama.cpp through node-llama-cpp)")
  .option("--model-id <id>", "with --model: the model id served (default: the file's name without .gguf)")
  .option("--threads <n>", "with --model: CPU threads (default: all cores)")
  .option("--batch-size <n>", "with --model: tokens per decode batch")
  .option("--context-size <n>", "with --model: context size in tokens (default: the model's, at most 4096)")
  .addOption(
    new Option("--gpu <kind>", "with --model: GPU backend")
      .choices(["auto", "cpu", "cuda", "vulkan", "metal"])
      .default("auto"),
  )
  .option("--models <ids>", "comma-separated model ids to serve (default: what the engine lists)")
  .option("--keystore <file>", `encrypted keystore (default ${DEFAULT_KEYSTORE}, or the key in $${KEY_ENV})`)
  .option("--capacity <n>", "work run at once: tasks and served requests together", "1")
  .option(
    "--price-floor <GBT>",
    "the least price per message this node serves users' requests for (e.g. 0.002); 0 serves free models too",
    "0",
  )
  .option("--no-serve", "run tasks only: do not serve users' requests (the gateway needs an engine that streams)")
  .option("--country <cc>", "ISO country code, for network statistics")
  .addOption(new Option("--transport <kind>", "connection").choices(["auto", "websocket", "http"]).default("auto"))
  .option("--json", "print events as JSON lines instead of a status line")
  .action(async (opts) => {
    if (Boolean(opts.engine) === Boolean(opts.model)) {
      throw new Error("pass either --engine <url|sim> or --model <file.gguf>");
    }
    const count = (flag: string, value: unknown) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${value}"`);
      return n;
    };
    const embedded = opts.model
      ? embeddedEngine(String(opts.model), {
          ...(opts.modelId ? { modelId: String(opts.modelId) } : {}),
          gpu: opts.gpu === "cpu" ? false : opts.gpu,
          ...(opts.threads ? { threads: count("--threads", opts.threads) } : {}),
          ...(opts.batchSize ? { batchSize: count("--batch-size", opts.batchSize) } : {}),
          ...(opts.contextSize ? { contextSize: count("--context-size", opts.contextSize) } : {}),
        })
      : null;
    // The embedded engine serves exactly its one model.
    const models = embedded
      ? [embedded.modelId]
      : opts.models
        ? String(opts.models).split(",").filter(Boolean)
        : undefined;
    const account = await loadNodeAccount(opts.keystore ? { keystore: opts.keystore } : {});
    const engine =
      embedded ??
      engineFromSpec(String(opts.engine), models, {
        ...(process.env.GITBLOCK_ENGINE_API_KEY ? { apiKey: process.env.GITBLOCK_ENGINE_API_KEY } : {}),
      });
    const serve = opts.serve === false ? false : { priceFloorWei: priceFloorWei(String(opts.priceFloor)) };
    // Load the model before signing in, so that a missing binary or a bad file stops the node at once.
    if (embedded) await embedded.load();
    const client = new NodeClient({
      relayer: String(opts.relayer),
      signer: account,
      engine,
      capacity: Number(opts.capacity),
      transport: opts.transport,
      serve,
      ...(models ? { models } : {}),
      ...(opts.country ? { country: String(opts.country) } : {}),
    });
    const json = Boolean(opts.json);
    const line = (event: string, fields: Record<string, unknown>) => {
      console.log(JSON.stringify({ event, ...fields }, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    };
    const live = !json && Boolean(process.stdout.isTTY);
    let stopping = false;
    let confirmedWei: string | null = null;
    let served = 0;
    const statusLine = () => {
      const s = client.stats;
      return `[${client.state}${s.transport ? `/${s.transport}` : ""}] tasks ${s.tasksDone} · served ${served} · accepted ${s.accepted} · rejected ${s.rejected} · timeouts ${s.timeouts} · reputation ${pct(s.reputationBps)} · earned ${gbt(s.earnedWei)}${confirmedWei !== null ? ` · confirmed total ${gbt(confirmedWei)}` : ""}`;
    };
    const show = () => {
      if (live) process.stdout.write(`\r\x1b[2K${statusLine()}`);
    };
    const say = (text: string) => {
      if (json) return;
      if (live) process.stdout.write(`\r\x1b[2K${text}\n`);
      else console.log(text);
      show();
    };
    let refresh: NodeJS.Timeout | null = null;
    let again = false;
    const refreshProfile = () => {
      if (refresh) {
        again = true;
        return;
      }
      refresh = setTimeout(() => {
        client
          .profile()
          .then((p) => {
            confirmedWei = p ? String(p.confirmedWei) : null;
            show();
          })
          .catch(() => {})
          .finally(() => {
            refresh = null;
            if (again && !stopping) {
              again = false;
              refreshProfile();
            }
          });
      }, 500);
    };

    client.on("state", show);
    client.on("authenticated", ({ account: address, transport }) => {
      if (json) line("authenticated", { account: address, transport });
      else say(`signed in as ${address} over ${transport}`);
      refreshProfile();
    });
    client.on("task", (task) => json && line("task", { taskId: task.taskId, model: task.model }));
    client.on("serve", (request) => json && line("serve", { requestId: request.requestId, model: request.model }));
    client.on("served", ({ serve: request, outcome, tokens, finish, message }) => {
      if (outcome === "ended") served++;
      if (json) line("served", { requestId: request.requestId, outcome, tokens, finish, message });
      show();
    });
    client.on("result", ({ task, output, outputHash }) => {
      if (json) line("result", { taskId: task.taskId, outputHash, tokens: output.tokenIds.length });
      show();
    });
    client.on("report", ({ claim, report }) => {
      if (json)
        line("report", { taskId: claim.taskId, pass: report.pass, nonTop1: report.nonTop1, maxGap: report.maxGap });
      show();
    });
    client.on("verdict", (v) => {
      if (json) line("verdict", v);
      else if (!live) say(`verdict ${v.outcome} for ${v.taskId}: +${gbt(v.rewardWei)} · ${statusLine()}`);
      refreshProfile();
      show();
    });
    client.on("banned", ({ message }) => (json ? line("banned", { message }) : say(`banned: ${message}`)));
    // The client's reason for a relayer that does not answer is fetch's ("fetch failed"): a probe of the relayer's
    // liveness route tells the operator which URL and what to check instead.
    const relayerApi = new RelayerApi(String(opts.relayer));
    client.on("disconnected", ({ reason, retryInMs }) => {
      relayerApi
        .health()
        .then(() => null)
        .catch((error: unknown) => explainError(error))
        .then((unreachable) => {
          if (json) line("disconnected", { reason, retryInMs, ...(unreachable ? { unreachable } : {}) });
          else say(`disconnected (${unreachable ?? reason}); retrying in ${retryInMs / 1000} s`);
        });
    });
    client.on("error", (error) => {
      const message = error instanceof Error ? error.message : `${error.code}: ${error.message}`;
      if (json) line("error", { message });
      else say(`relayer/engine error: ${message}`);
    });

    if (!json) {
      console.log(`gitblock-node ${account.address}`);
      console.log(`  relayer ${opts.relayer}`);
      console.log(`  engine  ${engine.name}`);
      console.log(
        `  serves  ${serve === false ? "no requests (--no-serve)" : engine.stream ? `requests at ${gbt(serve.priceFloorWei)} a message or more` : "no requests (the engine cannot stream)"}`,
      );
    } else {
      line("starting", { account: account.address, relayer: opts.relayer, engine: engine.name, kind: engine.kind });
    }
    const shutdown = async () => {
      if (stopping) return;
      stopping = true;
      if (refresh) clearTimeout(refresh);
      await client.stop();
      await engine.dispose();
      if (json) line("stopped", { ...client.stats });
      else {
        if (live) process.stdout.write("\n");
        console.log(`stopped: ${statusLine()}`);
      }
      process.exit(0);
    };
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
    await client.start();
    if (json) line("ready", { models: models ?? (await engine.models()) });
  });

program
  .command("status")
  .description("the node's standing at the relayer: reputation, tasks, pending/confirmed/claimed GBT")
  .option("--relayer <url>", "relayer base URL", DEFAULT_RELAYER)
  .option("--keystore <file>", "keystore whose address to look up (no password needed)")
  .option("--address <address>", "look up this address instead")
  .option("--json", "print JSON")
  .action(async (opts) => {
    const address = accountAddress(opts);
    const api = new RelayerApi(String(opts.relayer));
    const p = await api.profile(address);
    if (!p) {
      console.log(opts.json ? JSON.stringify({ address, known: false }) : `${address}: unknown to this relayer`);
      return;
    }
    const claim = await api.claim(address);
    if (opts.json) {
      console.log(
        toJson({ ...p, claim: claim ? { epoch: claim.epoch, cumulativeWei: claim.state.cumulativeAmount } : null }),
      );
      return;
    }
    const rows: Array<[string, string]> = [
      ["address", String(p.address)],
      ["connected", String(p.connected)],
      ["reputation", pct(p.reputationBps)],
      ["tasks validated / failed", `${p.tasksValidated} / ${p.tasksFailed}`],
      ["strikes (active)", `${p.strikes} (${p.activeStrikes})`],
      ["banned", p.banned ? `until ${new Date(Number(p.bannedUntil)).toISOString()}` : "no"],
      ["confirmed", gbt(p.confirmedWei)],
      ["claimed on-chain", gbt(p.claimedWei)],
      [
        "claimable",
        claim
          ? `${gbt(claim.state.cumulativeAmount - (p.claimedWei ?? 0n))} (final epoch ${claim.epoch}: run gitblock-node claim)`
          : "– (no final epoch holds this node yet)",
      ],
      ["GPU seconds today", String(p.gpuSecondsToday)],
    ];
    for (const [k, v] of rows) console.log(`${k.padEnd(26)}${v}`);
  });

registerClaimCommand(program, DEFAULT_RELAYER);
registerEarningsCommand(program, DEFAULT_RELAYER);

program
  .command("calibrate")
  .description(
    "measure how far honest configurations of a GGUF model disagree, and print the δ to configure in the relayer",
  )
  .requiredOption("--model <file.gguf>", "the model artifact to calibrate (it generates every task)")
  .option("--reference <file.gguf>", "the same weights in another artifact (e.g. F32 beside Q8_0), scored as honest")
  .option("--substitute <file.gguf>", "another model, as a control the rule must reject")
  .option("--model-id <id>", "the model id in the config (default: the file's name without .gguf)")
  .option("--prompts <file>", "prompts: one per line, or a JSON array of strings (default: a built-in set of 8)")
  .option("--max-tokens <n>", "tokens per task", "48")
  .option("--threads <n>", "the generator's CPU threads (a pairing uses another count)", "1")
  .option("--context-size <n>", "the generator's context size (a pairing uses half of it)")
  .addOption(
    new Option("--gpu <kind>", "the generator's backend")
      .choices(["auto", "cpu", "cuda", "vulkan", "metal"])
      .default("auto"),
  )
  .option("--json", "print only the config entry, as JSON")
  .action(async (opts) => {
    const count = (flag: string, value: unknown) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${value}"`);
      return n;
    };
    const prompts = opts.prompts
      ? parsePrompts(readFileSync(String(opts.prompts), "utf8"))
      : DEFAULT_CALIBRATION_PROMPTS;
    const maxTokens = count("--max-tokens", opts.maxTokens);
    const setup = await ggufCalibration({
      modelPath: String(opts.model),
      ...(opts.reference ? { referencePath: String(opts.reference) } : {}),
      ...(opts.substitute ? { substitutePath: String(opts.substitute) } : {}),
      ...(opts.modelId ? { modelId: String(opts.modelId) } : {}),
      gpu: opts.gpu === "cpu" ? false : opts.gpu,
      threads: count("--threads", opts.threads),
      ...(opts.contextSize ? { contextSize: count("--context-size", opts.contextSize) } : {}),
      prompts,
      maxTokens,
    });
    try {
      const measurement = await measureAgreement({
        model: setup.model,
        prompts,
        maxTokens,
        generator: setup.generator,
        pairings: setup.pairings,
      });
      const config = calibrationConfig(measurement);
      if (opts.json) {
        console.log(JSON.stringify(config, null, 2));
        return;
      }
      console.log(formatAgreementTable(measurement));
      for (const reason of setup.skipped) console.log(`not measured: ${reason}`);
      console.log("\nrelayer config, under verification.models:");
      console.log(JSON.stringify(config, null, 2));
    } finally {
      await setup.dispose();
    }
  });

const keys = program.command("keys").description("the node's encrypted keystore (Ethereum keystore v3)");

keys
  .command("new")
  .description("create a fresh key and encrypt it (password prompted without echo, or $GITBLOCK_KEYSTORE_PASSWORD)")
  .option("--keystore <file>", "where to write it", DEFAULT_KEYSTORE)
  .option("--light-kdf", "scrypt n = 4096 instead of 262144: fast, weaker (throwaway keys)")
  .action(async (opts) => {
    const password = await keystorePassword(process.env, true);
    const keystore = writeKeystore(opts.keystore, generatePrivateKey(), password, Boolean(opts.lightKdf));
    console.log(`created ${opts.keystore}`);
    console.log(`address ${getAddress(keystoreAddress(keystore))}`);
  });

keys
  .command("import")
  .description(`encrypt an existing private key ($${KEY_ENV} or prompted without echo)`)
  .option("--keystore <file>", "where to write it", DEFAULT_KEYSTORE)
  .option("--light-kdf", "scrypt n = 4096 instead of 262144: fast, weaker")
  .action(async (opts) => {
    const raw = process.env[KEY_ENV] ?? (await promptSecret("Private key (0x…): "));
    const key = parsePrivateKey(raw);
    const password = await keystorePassword(process.env, true);
    const keystore = writeKeystore(opts.keystore, key, password, Boolean(opts.lightKdf));
    console.log(`imported into ${opts.keystore}`);
    console.log(`address ${getAddress(keystoreAddress(keystore))}`);
  });

keys
  .command("show")
  .description("print the keystore's address (never the key)")
  .option("--keystore <file>", "keystore", DEFAULT_KEYSTORE)
  .option("--check", "also decrypt it, to check the password")
  .action(async (opts) => {
    const keystore = readKeystore(opts.keystore);
    const address = getAddress(keystoreAddress(keystore));
    if (opts.check) {
      const account = await loadNodeAccount({ keystore: opts.keystore }, { ...process.env, [KEY_ENV]: "" });
      if (account.address !== address) throw new KeyError("keystore address does not match its key");
      console.log(`${address} (password ok)`);
      return;
    }
    console.log(address);
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof KeyError || (error instanceof Error && error.name === "AuthRejectedError")) {
    console.error(`error: ${error.message}`);
    process.exit(2);
  }
  console.error(`error: ${explainError(error)}`);
  process.exit(1);
});
