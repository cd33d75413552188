// InferenceCredits in the deploy task: its address and withdrawal delay in the address book, the delay's defaults, and
// the refusal of a delay outside the contract's limits before anything is deployed.
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { DeployConfigError, deploy } from "@gitblock/deploy/task";
import { network } from "hardhat";
import type { Address } from "viem";
import { collectingLog, TEST_DEPLOY_ARGUMENTS as defaults, realChain } from "../deploy/task-arguments.ts";

const HOUR = 3_600;
const DAY = 86_400;

/** The part of the address book about InferenceCredits. */
interface CreditsBook {
  contracts: { inferenceCredits: Address; rewardsVault: Address; token: Address; treasury: Address };
  parameters: { withdrawalDelay: number; relayers: Address[]; guardians: Address[] };
}

async function deployed(args: Partial<typeof defaults>, connection: Awaited<ReturnType<typeof network.create>>) {
  const outDir = args.outDir || (await mkdtemp(path.join(tmpdir(), "gitblock-credits-")));
  await deploy({ ...defaults, ...args, outDir }, connection, collectingLog().log);
  const book = JSON.parse(await readFile(path.join(outDir, `${connection.networkName}.json`), "utf8")) as CreditsBook;
  const credits = await connection.viem.getContractAt("InferenceCredits", book.contracts.inferenceCredits);
  return { book, credits };
}

describe("InferenceCredits in the deploy task", () => {
  it("writes its address and withdrawal delay (default locally: one hour) into the address book", async () => {
    const { book, credits } = await deployed({}, await network.create());
    assert.equal(book.parameters.withdrawalDelay, HOUR);
    assert.equal(await credits.read.withdrawalDelay(), BigInt(HOUR));
    assert.equal(await credits.read.token(), book.contracts.token);
    assert.equal(await credits.read.rewardsVault(), book.contracts.rewardsVault, "the node share goes to the pool");
    assert.equal(await credits.read.treasury(), book.contracts.treasury);
    const admin = await credits.read.DEFAULT_ADMIN_ROLE();
    assert.ok(await credits.read.hasRole([admin, book.contracts.treasury]), "the timelock administers it");
    const [relayer] = book.parameters.relayers as [Address];
    const [guardian] = book.parameters.guardians as [Address];
    assert.ok(await credits.read.hasRole([await credits.read.RELAYER_ROLE(), relayer]));
    assert.ok(await credits.read.hasRole([await credits.read.GUARDIAN_ROLE(), guardian]));
  });

  it("takes --withdrawal-delay", async () => {
    const { book, credits } = await deployed({ withdrawalDelay: 3 * DAY }, await network.create());
    assert.equal(book.parameters.withdrawalDelay, 3 * DAY);
    assert.equal(await credits.read.withdrawalDelay(), BigInt(3 * DAY));
  });

  it("refuses a delay under an hour or over thirty days, before deploying anything", async () => {
    const connection = await network.create();
    const client = await connection.viem.getPublicClient();
    const blockBefore = await client.getBlockNumber();
    for (const withdrawalDelay of [HOUR - 1, 30 * DAY + 1]) {
      await assert.rejects(
        deploy({ ...defaults, outDir: tmpdir(), withdrawalDelay }, connection),
        (error: unknown) =>
          error instanceof DeployConfigError &&
          error.message.includes(`--withdrawal-delay (${withdrawalDelay} s) must be from 3600 s (1 hour) to 2592000 s`),
      );
    }
    assert.equal(await client.getBlockNumber(), blockBefore, "no transaction sent");
  });

  it("on a real chain the default delay is one day", async () => {
    const { connection, args } = await realChain("inference-credits", 4245);
    const { book, credits } = await deployed(args, connection);
    assert.equal(book.parameters.withdrawalDelay, DAY);
    assert.equal(await credits.read.withdrawalDelay(), BigInt(DAY));
  });
});
