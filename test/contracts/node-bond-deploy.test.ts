// NodeBond in the deploy task: its address and unbonding delay in the address book, the delay's defaults, and the
// refusal of a delay that would let a node leave before a slash against it can be executed.
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { DeployConfigError, deploy } from "@gitblock/deploy/task";
import { network } from "hardhat";
import type { Address } from "viem";
import { collectingLog, TEST_DEPLOY_ARGUMENTS as defaults, realChain } from "../deploy/task-arguments.ts";

const DAY = 86_400;

/** The part of the address book about NodeBond. */
interface NodeBondBook {
  contracts: { nodeBond: Address; treasury: Address };
  parameters: { challengeWindow: number; unbondingDelay: number; relayers: Address[]; guardians: Address[] };
}

async function deployed(args: Partial<typeof defaults>, connection: Awaited<ReturnType<typeof network.create>>) {
  const outDir = args.outDir || (await mkdtemp(path.join(tmpdir(), "gitblock-node-bond-")));
  await deploy({ ...defaults, ...args, outDir }, connection, collectingLog().log);
  const book = JSON.parse(await readFile(path.join(outDir, `${connection.networkName}.json`), "utf8"));
  const nodeBond = await connection.viem.getContractAt("NodeBond", (book as NodeBondBook).contracts.nodeBond);
  return { book: book as NodeBondBook, nodeBond };
}

describe("NodeBond in the deploy task", () => {
  it("writes NodeBond's address and unbonding delay (default: twice the window) into the address book", async () => {
    const connection = await network.create();
    const { book, nodeBond } = await deployed({}, connection);
    assert.equal(book.parameters.unbondingDelay, 2 * defaults.challengeWindow);
    assert.equal(await nodeBond.read.challengeWindow(), BigInt(book.parameters.challengeWindow));
    assert.equal(await nodeBond.read.unbondingDelay(), BigInt(book.parameters.unbondingDelay));
    assert.equal(await nodeBond.read.slashRecipient(), book.contracts.treasury);
    const admin = await nodeBond.read.DEFAULT_ADMIN_ROLE();
    assert.ok(await nodeBond.read.hasRole([admin, book.contracts.treasury]), "the timelock administers NodeBond");
    const [relayer] = book.parameters.relayers as [Address];
    const [guardian] = book.parameters.guardians as [Address];
    assert.ok(await nodeBond.read.hasRole([await nodeBond.read.RELAYER_ROLE(), relayer]));
    assert.ok(await nodeBond.read.hasRole([await nodeBond.read.GUARDIAN_ROLE(), guardian]));
  });

  it("takes --unbonding-delay, and on a zero window defaults to one second", async () => {
    const given = await deployed({ unbondingDelay: 3 * DAY }, await network.create());
    assert.equal(given.book.parameters.unbondingDelay, 3 * DAY);
    assert.equal(await given.nodeBond.read.unbondingDelay(), BigInt(3 * DAY));
    const local = await deployed({ challengeWindow: 0 }, await network.create());
    assert.equal(local.book.parameters.unbondingDelay, 1);
  });

  it("refuses an unbonding delay not longer than the challenge window or over a year, before deploying anything", async () => {
    const connection = await network.create();
    const client = await connection.viem.getPublicClient();
    const blockBefore = await client.getBlockNumber();
    for (const unbondingDelay of [defaults.challengeWindow, defaults.challengeWindow - 1]) {
      await assert.rejects(
        deploy({ ...defaults, outDir: tmpdir(), unbondingDelay }, connection),
        (error: unknown) =>
          error instanceof DeployConfigError &&
          /--unbonding-delay \(\d+ s\) must be longer than --challenge-window \(3600 s\)/.test(error.message),
      );
    }
    await assert.rejects(
      deploy({ ...defaults, outDir: tmpdir(), unbondingDelay: 365 * DAY + 1 }, connection),
      /--unbonding-delay \(31536001 s\) is longer than NodeBond's limit of 365 days/,
    );
    assert.equal(await client.getBlockNumber(), blockBefore, "no transaction sent");
  });

  it("on a real chain the default delay is at least seven days", async () => {
    const { connection, args } = await realChain("node-bond", 4244);
    const { book, nodeBond } = await deployed(args, connection);
    assert.equal(book.parameters.unbondingDelay, 7 * DAY);
    assert.equal(await nodeBond.read.unbondingDelay(), BigInt(7 * DAY));
  });
});
