import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gitBlockTokenAbi, nodeBondAbi } from "@gitblock/sdk";
import { HARDHAT_KEYS, REPO_ROOT, startTestChain, type TestChain } from "@gitblock/testkit";
import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  maxUint256,
  type PublicClient,
  parseEther,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { BondBook } from "../../src/bonds/index.ts";
import { OffsetClock } from "../../src/clock.ts";
import { ChainUnavailableError, NodeBondCallError } from "../../src/errors.ts";

const CHALLENGE_WINDOW = 600n;
const UNBONDING_DELAY = 1_200n;
const CACHE_TTL_MS = 30_000;
const BONDED = parseEther("500");
const reason = (label: string): Hex => keccak256(toHex(label));

describe("BondBook against NodeBond on a real Hardhat chain", () => {
  let chain: TestChain;
  let nodeBond: Address;
  let publicClient: PublicClient;
  const clock = new OffsetClock();
  const relayer = privateKeyToAccount(HARDHAT_KEYS.relayer);
  const guardian = privateKeyToAccount(HARDHAT_KEYS.guardian);
  const treasury = privateKeyToAccount(HARDHAT_KEYS.treasury);
  const node = privateKeyToAccount(HARDHAT_KEYS.claimer);
  const wallet = (account: typeof relayer) =>
    createWalletClient({ chain: chain.chain, transport: http(chain.rpcUrl), account });
  let book: BondBook;

  /** Sends `write` and waits for it to succeed. */
  const mined = async (hash: Promise<Hex>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
    assert.equal(receipt.status, "success");
    return receipt;
  };

  before(async () => {
    chain = await startTestChain();
    // No retries: a test of the chain being down should not wait out a backoff.
    publicClient = createPublicClient({
      chain: chain.chain,
      transport: http(chain.rpcUrl, { retryCount: 0 }),
      pollingInterval: 50,
    }) as PublicClient;
    // A NodeBond of its own next to the chain's GBT, with a challenge window that time travel can pass.
    const artifact = JSON.parse(
      await readFile(path.join(REPO_ROOT, "artifacts/contracts/NodeBond.sol/NodeBond.json"), "utf8"),
    ) as { bytecode: Hex };
    const receipt = await mined(
      wallet(privateKeyToAccount(HARDHAT_KEYS.deployer)).deployContract({
        abi: nodeBondAbi,
        bytecode: artifact.bytecode,
        args: [
          chain.token,
          treasury.address,
          [relayer.address],
          [guardian.address],
          treasury.address,
          CHALLENGE_WINDOW,
          UNBONDING_DELAY,
        ],
      }),
    );
    nodeBond = receipt.contractAddress as Address;
    // The node gets GBT from the treasury and bonds it.
    const token = { address: chain.token, abi: gitBlockTokenAbi } as const;
    await mined(wallet(treasury).writeContract({ ...token, functionName: "transfer", args: [node.address, BONDED] }));
    await mined(wallet(node).writeContract({ ...token, functionName: "approve", args: [nodeBond, maxUint256] }));
    await mined(
      wallet(node).writeContract({ address: nodeBond, abi: nodeBondAbi, functionName: "bond", args: [BONDED] }),
    );
    book = new BondBook({ publicClient, nodeBond, walletClient: wallet(relayer), cacheTtlMs: CACHE_TTL_MS, clock });
  });

  after(async () => {
    await chain?.stop();
  });

  it("reads a bond, the relayer proposes a slash, after the window it executes and the book reads the lower bond", async () => {
    assert.equal(await book.bondOf(node.address), BONDED);
    assert.equal(book.knownBondOf(node.address), BONDED);

    const proposed = await book.proposeSlash(node.address, parseEther("200"), reason("wrong output, task 1"));
    assert.equal(proposed.id, 1n);
    const slash = await publicClient.readContract({
      address: nodeBond,
      abi: nodeBondAbi,
      functionName: "getSlash",
      args: [proposed.id],
    });
    assert.equal(slash.executableAt, proposed.executableAt);
    assert.equal(slash.reason, reason("wrong output, task 1"));
    await assert.rejects(book.executeSlash(proposed.id), (error: unknown) => {
      assert.ok(error instanceof NodeBondCallError);
      assert.match(error.reason, /^SlashAwaitingWindow\(1, /);
      return true;
    });

    const testClient = createTestClient({ mode: "hardhat", chain: chain.chain, transport: http(chain.rpcUrl) });
    await testClient.increaseTime({ seconds: Number(CHALLENGE_WINDOW) });
    await testClient.mine({ blocks: 1 });
    const executed = await book.executeSlash(proposed.id);
    assert.equal(executed.slashed, parseEther("200"));
    assert.equal(executed.node, node.address);
    // Executing a slash marks the node's cached bond stale: the next read is fresh, within the TTL.
    assert.equal(await book.bondOf(node.address), BONDED - parseEther("200"));
    const treasuryGot = await publicClient.getContractEvents({
      address: nodeBond,
      abi: nodeBondAbi,
      eventName: "SlashExecuted",
    });
    assert.equal(treasuryGot[0]?.args.recipient, treasury.address);
  });

  it("serves a bond from its cache within the TTL and reads the chain again after it", async () => {
    const before = await book.refresh([node.address]);
    assert.equal(before.get(node.address), BONDED - parseEther("200"));
    // The node moves half of its bond out, which lowers its weight at once on-chain.
    await mined(
      wallet(node).writeContract({
        address: nodeBond,
        abi: nodeBondAbi,
        functionName: "requestUnbond",
        args: [parseEther("100")],
      }),
    );
    assert.equal(await book.bondOf(node.address), BONDED - parseEther("200"), "cached");
    clock.advance(CACHE_TTL_MS);
    assert.equal(await book.bondOf(node.address), BONDED - parseEther("300"), "read again");
    const [a, b] = await Promise.all([book.refresh([node.address, node.address]), book.bondOf(relayer.address)]);
    assert.deepEqual([...a], [[node.address, BONDED - parseEther("300")]]);
    assert.equal(b, 0n);
  });

  it("a slash NodeBond would refuse fails with NodeBondCallError and sends nothing", async () => {
    const count = await publicClient.readContract({ address: nodeBond, abi: nodeBondAbi, functionName: "slashCount" });
    await assert.rejects(book.proposeSlash(relayer.address, 1n, reason("no bond")), (error: unknown) => {
      assert.ok(error instanceof NodeBondCallError);
      assert.equal(error.reason, `NothingToSlash(${relayer.address})`);
      return true;
    });
    const outsider = new BondBook({ publicClient, nodeBond, walletClient: wallet(guardian), cacheTtlMs: CACHE_TTL_MS });
    await assert.rejects(outsider.proposeSlash(node.address, 1n, reason("not a relayer")), (error: unknown) => {
      assert.ok(error instanceof NodeBondCallError);
      assert.match(error.reason, /^AccessControlUnauthorizedAccount\(/);
      return true;
    });
    const readOnly = new BondBook({ publicClient, nodeBond, cacheTtlMs: CACHE_TTL_MS });
    await assert.rejects(readOnly.proposeSlash(node.address, 1n, reason("no key")), NodeBondCallError);
    assert.equal(
      await publicClient.readContract({ address: nodeBond, abi: nodeBondAbi, functionName: "slashCount" }),
      count,
    );
  });

  it("with the RPC down, reads and slashes fail with ChainUnavailableError and the last known bonds stay", async () => {
    const lastRead = await book.refresh([node.address]);
    const known = book.lastKnown(node.address);
    assert.equal(known?.amount, lastRead.get(node.address));
    await chain.stop();

    // Within the TTL the cache still answers; after it, the read fails clearly and the value is kept.
    assert.equal(await book.bondOf(node.address), known?.amount);
    clock.advance(CACHE_TTL_MS);
    await assert.rejects(book.bondOf(node.address), (error: unknown) => {
      assert.ok(error instanceof ChainUnavailableError, String(error));
      assert.match(error.message, /unreachable/);
      return true;
    });
    await assert.rejects(book.refresh([node.address, relayer.address]), ChainUnavailableError);
    await assert.rejects(book.proposeSlash(node.address, 1n, reason("while down")), ChainUnavailableError);
    assert.deepEqual(book.lastKnown(node.address), known);
    assert.equal(book.knownBondOf(node.address), known?.amount);
    assert.equal(book.lastKnown(guardian.address), undefined, "never read");
    assert.equal(book.knownBondOf(guardian.address), 0n);
  });
});
