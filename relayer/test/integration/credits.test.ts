// The relayer's credit book against InferenceCredits on a real Hardhat chain, on SQLite or PostgreSQL
// (GITBLOCK_TEST_STORE=postgres): deposits with a permit, debits and refunds, races between relayers, withdrawals,
// settlement to the vault and the treasury, crashes in the middle of a settlement and the chain going away.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gitBlockTokenAbi, inferenceCreditsAbi } from "@gitblock/sdk";
import {
  createPgDatabase,
  depositWithPermit as depositWithTestPermit,
  freePort,
  fundedUser,
  HARDHAT_KEYS,
  startTestChain,
  startTestRelayer,
  type TestChain,
} from "@gitblock/testkit";
import { pino } from "pino";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type LocalAccount,
  type PublicClient,
  parseEther,
  type Transport,
  type WalletClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { OffsetClock } from "../../src/clock.ts";
import { CreditBook } from "../../src/credits/index.ts";
import { CreditsUnavailableError } from "../../src/errors.ts";
import { createMetrics } from "../../src/metrics.ts";
import { PostgresStore, SqliteStore, type Store } from "../../src/store/index.ts";

const TTL_MS = 2_000;
const GBT = (n: number | string) => parseEther(String(n));
const driver = process.env.GITBLOCK_TEST_STORE === "postgres" ? "postgres" : "sqlite";
const cli = path.resolve(import.meta.dirname, "../../src/cli/main.ts");

type Wallet = WalletClient<Transport, Chain, Account>;

describe(`the credit book on InferenceCredits (${driver})`, () => {
  let chain: TestChain;
  let publicClient: PublicClient;
  let credits: Address;
  let dir: string;
  /** Two relayers' connections to one database (SQLite: one relayer's, the only way it is shared). */
  let storeA: Store;
  let storeB: Store;
  let dropDatabase = async () => {};
  const clock = new OffsetClock();
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const relayerKey = privateKeyToAccount(HARDHAT_KEYS.relayer);
  let relayerWallet: Wallet;
  let book: CreditBook;
  let metrics: ReturnType<typeof createMetrics>;

  const wallet = (account: LocalAccount): Wallet =>
    createWalletClient({ chain: chain.chain, transport: http(chain.rpcUrl), account });
  const mined = async (hash: Promise<Hex>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
    assert.equal(receipt.status, "success");
    return receipt;
  };
  const bookOn = (
    store: Store,
    clients: { publicClient?: PublicClient; walletClient?: Wallet | null } = {},
    extra: { metrics?: ReturnType<typeof createMetrics> } = {},
  ) =>
    new CreditBook({
      dialect: store.dialect,
      credits: {
        publicClient: clients.publicClient ?? publicClient,
        address: credits,
        walletClient: clients.walletClient === undefined ? relayerWallet : clients.walletClient,
      },
      clock,
      log,
      ...extra,
      cacheTtlMs: TTL_MS,
      receiptTimeoutMs: 10_000,
    });
  const onChain = (account: Address) =>
    publicClient.readContract({
      address: credits,
      abi: inferenceCreditsAbi,
      functionName: "getAccount",
      args: [account],
    });
  const balanceOf = (account: Address) =>
    publicClient.readContract({
      address: chain.token,
      abi: gitBlockTokenAbi,
      functionName: "balanceOf",
      args: [account],
    });
  const settledEpochs = async () =>
    (
      await publicClient.getContractEvents({
        address: credits,
        abi: inferenceCreditsAbi,
        eventName: "EpochSettled",
        fromBlock: 0n,
      })
    ).map((e) => e.args.epoch);
  const relayerNonce = () => publicClient.getTransactionCount({ address: relayerKey.address });

  const newUser = (gbt: number) => fundedUser(chain, GBT(gbt));
  const depositWithPermit = (user: LocalAccount, amount: bigint) => depositWithTestPermit(chain, user, amount);

  /** The debits every test made that no settlement has covered yet, per account: what the next settle must move. */
  const owed = new Map<Address, bigint>();
  const owe = (account: Address, amount: bigint) => owed.set(account, (owed.get(account) ?? 0n) + amount);
  async function debitOk(on: CreditBook, user: LocalAccount, amount: bigint, ref: string, left: bigint) {
    assert.deepEqual(await on.debit(user.address, amount, ref), { ok: true, availableWei: left }, `debit ${ref}`);
    owe(user.address, amount);
  }
  const totalOwed = () => [...owed.values()].reduce((a, b) => a + b, 0n);
  const counted = async (
    counter: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> },
    labels = {},
  ) => (await counter.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value ?? 0;
  /** The first test's user: its debits settle in the settlement test. */
  let firstUser: LocalAccount;

  before(async () => {
    chain = await startTestChain();
    publicClient = createPublicClient({
      chain: chain.chain,
      transport: http(chain.rpcUrl, { retryCount: 0 }),
      pollingInterval: 50,
    }) as PublicClient;
    credits = chain.inferenceCredits;
    relayerWallet = wallet(relayerKey);
    dir = mkdtempSync(path.join(tmpdir(), "gitblock-credits-"));
    if (driver === "postgres") {
      const database = await createPgDatabase();
      dropDatabase = database.drop;
      storeA = await PostgresStore.connect(database.url);
      storeB = await PostgresStore.connect(database.url);
    } else {
      storeA = new SqliteStore(path.join(dir, "relayer.db"));
      storeB = storeA;
    }
    metrics = createMetrics();
    book = bookOn(storeA, {}, { metrics });
  });

  after(async () => {
    if (storeB !== storeA) await storeB?.close();
    await storeA?.close();
    await dropDatabase();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a deposit with a permit in one transaction is available; debits up to it pass, the next is refused", async () => {
    const user = await newUser(20);
    firstUser = user;
    const sent = await publicClient.getTransactionCount({ address: user.address });
    await depositWithPermit(user, GBT(10));
    assert.equal(await publicClient.getTransactionCount({ address: user.address }), sent + 1, "one transaction");
    assert.equal((await onChain(user.address)).funded, GBT(10));
    assert.equal(await book.available(user.address), GBT(10));

    await debitOk(book, user, GBT(4), "a1", GBT(6));
    await debitOk(book, user, GBT(4), "a2", GBT(2));
    assert.deepEqual(await book.debit(user.address, GBT(4), "a3"), { ok: false, availableWei: GBT(2) });
    await debitOk(book, user, GBT(2), "a4", 0n);
    assert.deepEqual(await book.debit(user.address, 1n, "a5"), { ok: false, availableWei: 0n });
    // A retried request is debited once.
    assert.deepEqual(await book.debit(user.address, GBT(4), "a1"), { ok: true, availableWei: 0n });
    const balance = await book.balance(user.address);
    assert.deepEqual(balance, {
      account: user.address,
      contract: credits,
      fundedWei: GBT(10).toString(),
      settledSpentWei: "0",
      pendingWithdrawalWei: "0",
      unlockAt: 0,
      debitedWei: GBT(10).toString(),
      unsettledWei: GBT(10).toString(),
      writtenOffWei: "0",
      availableWei: "0",
    });
    // Another account's ref cannot be taken over.
    const other = privateKeyToAccount(generatePrivateKey());
    await assert.rejects(book.debit(other.address, 1n, "a1"), /another account/);
  });

  it("serves the on-chain credit from its cache, but reads it again before refusing a debit", async () => {
    const user = await newUser(5);
    await depositWithPermit(user, GBT(1));
    await debitOk(book, user, GBT(1), "b1", 0n);
    await depositWithPermit(user, GBT(2));
    assert.equal(await book.available(user.address), 0n, "within the TTL: the cached deposit");
    await debitOk(book, user, GBT(2), "b2", 0n);
    clock.advance(TTL_MS);
    assert.equal(await book.available(user.address), 0n);
    assert.equal((await book.balance(user.address)).fundedWei, GBT(3).toString());
  });

  it("two relayers racing for the last credit: exactly as many debits pass as the credit covers", async () => {
    const user = await newUser(5);
    await depositWithPermit(user, GBT(3));
    const bookB = bookOn(storeB);
    const attempts = Array.from({ length: 8 }, (_, i) =>
      (i % 2 === 0 ? book : bookB).debit(user.address, GBT(1), `race-${i}`),
    );
    const outcomes = await Promise.all(attempts);
    assert.equal(
      outcomes.filter((o) => o.ok).length,
      3,
      JSON.stringify(outcomes, (_k, v) => String(v)),
    );
    owe(user.address, GBT(3));
    assert.equal((await book.balance(user.address)).debitedWei, GBT(3).toString());
    assert.equal(await bookB.available(user.address), 0n);

    // The very last unit: one winner whichever relayer asks.
    const last = await newUser(1);
    await depositWithPermit(last, 1n);
    const [x, y] = await Promise.all([book.debit(last.address, 1n, "last-x"), bookB.debit(last.address, 1n, "last-y")]);
    assert.equal(Number(x.ok) + Number(y.ok), 1, "exactly one wins");
    owe(last.address, 1n);
  });

  it("a refund gives an unsettled debit back once; a refunded ref may be debited again", async () => {
    const user = await newUser(5);
    await depositWithPermit(user, GBT(3));
    await debitOk(book, user, GBT(2), "d1", GBT(1));
    await book.refund("d1");
    owe(user.address, -GBT(2));
    assert.equal(await book.available(user.address), GBT(3));
    await book.refund("d1");
    await book.refund("no-such-request");
    assert.equal(await book.available(user.address), GBT(3), "refunded once");
    assert.equal((await book.balance(user.address)).debitedWei, "0");
    await debitOk(book, user, GBT(1), "d1", GBT(2));
  });

  it("a withdrawal request lowers what is available (once the cache has expired)", async () => {
    const user = await newUser(5);
    await depositWithPermit(user, GBT(5));
    await debitOk(book, user, GBT(1), "e1", GBT(4));
    await mined(
      wallet(user).writeContract({
        address: credits,
        abi: inferenceCreditsAbi,
        functionName: "requestWithdrawal",
        args: [GBT(3)],
      }),
    );
    clock.advance(TTL_MS);
    assert.equal(await book.available(user.address), GBT(1));
    assert.deepEqual(await book.debit(user.address, GBT(2), "e2"), { ok: false, availableWei: GBT(1) });
    const balance = await book.balance(user.address);
    assert.equal(balance.pendingWithdrawalWei, GBT(3).toString());
    assert.ok(balance.unlockAt > 0);
  });

  it("settles every account's debits to the vault (75%) and the treasury (25%); a second settle sends nothing", async () => {
    const treasury = await publicClient.readContract({
      address: credits,
      abi: inferenceCreditsAbi,
      functionName: "treasury",
    });
    const [vaultBefore, treasuryBefore, epochsBefore] = [
      await balanceOf(chain.vault),
      await balanceOf(treasury),
      await settledEpochs(),
    ];
    const total = totalOwed();
    assert.ok(total > 0n);
    const round = await book.settle();
    assert.equal(round.stopped, "done");
    assert.equal(round.settled.length, 1);
    assert.equal(round.settled[0]?.spentWei, total);
    assert.equal(round.settled[0]?.accounts, [...owed.values()].filter((v) => v > 0n).length);
    assert.equal(round.settled[0]?.writtenOffWei, 0n);
    const toTreasury = (total * 2_500n) / 10_000n;
    assert.equal((await balanceOf(chain.vault)) - vaultBefore, total - toTreasury);
    assert.equal((await balanceOf(treasury)) - treasuryBefore, toTreasury);
    assert.equal((await settledEpochs()).length, epochsBefore.length + 1);
    for (const [account, amount] of owed) {
      assert.equal((await onChain(account)).spent, amount, `${account}'s spending on-chain`);
      const balance = await book.balance(account);
      assert.equal(balance.unsettledWei, "0");
      assert.equal(balance.settledSpentWei, amount.toString());
    }
    owed.clear();
    assert.equal(await counted(metrics.creditSettlements, { outcome: "settled" }), 1);

    const nonce = await relayerNonce();
    assert.deepEqual(await book.settle(), { settled: [], stopped: "done" });
    assert.equal(await relayerNonce(), nonce, "nothing new: no transaction");
    assert.equal((await settledEpochs()).length, epochsBefore.length + 1);

    // A settled debit is not refunded.
    await book.refund("a1");
    assert.equal((await book.balance(firstUser.address)).debitedWei, GBT(10).toString());
  });

  it("a withdrawal that matures before the debits settle: spending is capped at what was funded, the rest written off", async () => {
    const user = await newUser(10);
    await depositWithPermit(user, GBT(4));
    await debitOk(book, user, GBT(3), "w1", GBT(1));
    // The user asks for 2 back (the relayer sees it only after its cache): then it waits out the delay and withdraws.
    await mined(
      wallet(user).writeContract({
        address: credits,
        abi: inferenceCreditsAbi,
        functionName: "requestWithdrawal",
        args: [GBT(2)],
      }),
    );
    const testClient = createTestClient({ mode: "hardhat", chain: chain.chain, transport: http(chain.rpcUrl) });
    const delay = await publicClient.readContract({
      address: credits,
      abi: inferenceCreditsAbi,
      functionName: "withdrawalDelay",
    });
    await testClient.increaseTime({ seconds: Number(delay) + 1 });
    await testClient.mine({ blocks: 1 });
    await mined(wallet(user).writeContract({ address: credits, abi: inferenceCreditsAbi, functionName: "withdraw" }));
    assert.equal((await onChain(user.address)).funded, GBT(2));

    const round = await book.settle();
    assert.equal(round.settled.length, 1);
    assert.equal(round.settled[0]?.spentWei, GBT(2), "capped at funded");
    assert.equal(round.settled[0]?.writtenOffWei, GBT(1));
    assert.equal((await onChain(user.address)).spent, GBT(2));
    assert.equal(await counted(metrics.creditWriteOffs), 1);
    clock.advance(TTL_MS);
    let balance = await book.balance(user.address);
    assert.deepEqual(
      [balance.debitedWei, balance.writtenOffWei, balance.unsettledWei, balance.availableWei],
      [GBT(3), GBT(1), 0n, 0n].map(String),
    );
    // A new deposit is spendable in full: what was written off does not count against it.
    await depositWithPermit(user, GBT(1));
    clock.advance(TTL_MS);
    balance = await book.balance(user.address);
    assert.equal(balance.availableWei, GBT(1).toString());
  });

  /** Where a crash can fall in a settlement, and the client that fails there (what the process got done first). */
  const crashes: Array<{
    at: string;
    clients: () => { publicClient?: PublicClient; walletClient?: Wallet };
    expect: (settle: Promise<unknown>) => Promise<void>;
    status: string;
  }> = [
    {
      at: "its figures are stored, before it is signed",
      clients: () => ({
        walletClient: {
          ...relayerWallet,
          signTransaction: async () => {
            throw new Error("killed before signing");
          },
        } as Wallet,
      }),
      expect: (settle) => assert.rejects(settle, /killed before signing/),
      status: "prepared",
    },
    {
      at: "its signed transaction is stored, before it is sent",
      clients: () => ({
        publicClient: {
          ...publicClient,
          sendRawTransaction: async () => {
            throw new Error("killed before sending");
          },
        } as PublicClient,
      }),
      expect: (settle) => assert.rejects(settle, CreditsUnavailableError),
      status: "signed",
    },
    {
      at: "it is sent, before its receipt is recorded",
      clients: () => ({
        publicClient: {
          ...publicClient,
          waitForTransactionReceipt: async () => {
            throw new Error("killed while waiting");
          },
        } as PublicClient,
      }),
      expect: async (settle) => assert.equal(((await settle) as { stopped: string }).stopped, "pending"),
      status: "signed",
    },
  ];

  for (const [i, crash] of crashes.entries()) {
    it(`a crash once ${crash.at} neither settles twice nor loses a debit`, async () => {
      const user = await newUser(5);
      await depositWithPermit(user, GBT(3));
      await debitOk(book, user, GBT(2), `crash-${i}`, GBT(1));
      const epochsBefore = await settledEpochs();
      const spentBefore = (await onChain(user.address)).spent;

      const crashing = bookOn(storeA, crash.clients());
      await crash.expect(crashing.settle());
      const open = await storeA.dialect.db
        .selectFrom("credit_settlements")
        .selectAll()
        .where("status", "in", ["prepared", "signed"])
        .execute();
      assert.equal(open.length, 1, "the settlement is stored");
      assert.equal(open[0]?.status, crash.status);
      // Its debit is covered: no refund while the settlement may land.
      await book.refund(`crash-${i}`);
      assert.equal((await book.balance(user.address)).debitedWei, GBT(2).toString());

      // Restarted, two relayers at once: the stored settlement lands once.
      const [first, second] = await Promise.all([bookOn(storeA).settle(), bookOn(storeB).settle()]);
      assert.equal(first.stopped, "done");
      assert.equal(second.stopped, "done");
      const epochsAfter = await settledEpochs();
      assert.equal(epochsAfter.length, epochsBefore.length + 1, "settled exactly once");
      assert.equal((await onChain(user.address)).spent, spentBefore + GBT(2));
      owed.clear();
      assert.deepEqual(await bookOn(storeA).settle(), { settled: [], stopped: "done" });
      clock.advance(TTL_MS);
      const balance = await book.balance(user.address);
      assert.deepEqual([balance.unsettledWei, balance.availableWei], ["0", GBT(1).toString()]);
    });
  }

  it("with the chain down: reads and debits fail with CreditsUnavailableError, nothing is debited or lost", async () => {
    const user = await newUser(5);
    await depositWithPermit(user, GBT(2));
    await debitOk(book, user, GBT(1), "f1", GBT(1));
    const down = `http://127.0.0.1:${await freePort()}`;
    const dead = createPublicClient({ chain: chain.chain, transport: http(down, { retryCount: 0 }) }) as PublicClient;
    const deadWallet = createWalletClient({
      chain: chain.chain,
      transport: http(down, { retryCount: 0 }),
      account: relayerKey,
    });
    const offline = bookOn(storeA, { publicClient: dead, walletClient: deadWallet });
    await assert.rejects(offline.available(user.address), CreditsUnavailableError);
    await assert.rejects(offline.debit(user.address, GBT(1), "f2"), CreditsUnavailableError);
    await assert.rejects(offline.balance(user.address), CreditsUnavailableError);
    await assert.rejects(offline.settle(), CreditsUnavailableError);
    assert.equal((await book.balance(user.address)).debitedWei, GBT(1).toString(), "f2 was not debited");

    const round = await book.settle();
    assert.equal(round.settled[0]?.spentWei, GBT(1), "f1 settles once the chain is back");
    assert.equal((await onChain(user.address)).spent, GBT(1));
    owed.clear();
  });

  it("without a credits contract nothing is available and the balance says so", async () => {
    const none = new CreditBook({ dialect: storeA.dialect, credits: null, clock, log });
    const user = privateKeyToAccount(generatePrivateKey()).address;
    assert.equal(none.contract, null);
    assert.equal(await none.available(user), 0n);
    assert.deepEqual(await none.debit(user, 1n, "none-1"), { ok: false, availableWei: 0n });
    assert.deepEqual(await none.settle(), { settled: [], stopped: "unconfigured" });
    const balance = await none.balance(user);
    assert.equal(balance.contract, null);
    assert.equal(balance.availableWei, "0");
    // Without a key, the book debits but does not settle.
    assert.deepEqual(await bookOn(storeA, { walletClient: null }).settle(), { settled: [], stopped: "unconfigured" });
  });

  it("the relayer serves GET /api/credits/:address and settles credit at the epoch tick", async () => {
    const t = await startTestRelayer({ settleOn: chain, credits: true });
    const deadChain = `http://127.0.0.1:${await freePort()}`;
    const offline = await startTestRelayer(
      {},
      {
        chain: {
          ...(t.relayer.chain as NonNullable<typeof t.relayer.chain>),
          publicClient: createPublicClient({
            chain: chain.chain,
            transport: http(deadChain, { retryCount: 0 }),
          }) as PublicClient,
          walletClient: null,
        },
      },
    );
    try {
      const user = await newUser(5);
      await depositWithPermit(user, GBT(2));
      const shown = await fetch(`${t.url}/api/credits/${user.address.toLowerCase()}`);
      assert.equal(shown.status, 200);
      const body = (await shown.json()) as Record<string, unknown>;
      assert.equal(body.account, user.address);
      assert.equal(body.contract, credits);
      assert.equal(body.fundedWei, GBT(2).toString());
      assert.equal((await fetch(`${t.url}/api/credits/not-an-address`)).status, 400);
      assert.equal((await fetch(`${offline.url}/api/credits/${user.address}`)).status, 503);

      assert.equal((await t.relayer.credits.debit(user.address, GBT(1), "relayer-1")).ok, true);
      await t.relayer.store.touchNode(relayerKey.address, t.clock.now());
      await t.relayer.closeAndSettle();
      assert.equal((await onChain(user.address)).spent, GBT(1), "settled at the tick");
      assert.equal((await t.relayer.store.getEpoch(1))?.status, "open", "no node earned: the epoch stays open");
    } finally {
      await offline.stop();
      await t.stop();
    }
  });

  it("the CLI shows an account's credit and settles it", async () => {
    const user = await newUser(5);
    await depositWithPermit(user, GBT(2));
    const dbPath = path.join(dir, "cli.db");
    const cliStore = new SqliteStore(dbPath);
    await debitOk(bookOn(cliStore), user, GBT(1), "cli-1", GBT(1));
    await cliStore.close();
    const config = path.join(dir, "cli.json");
    writeFileSync(
      config,
      JSON.stringify({
        store: { path: "cli.db" },
        chain: { rpcUrl: chain.rpcUrl, chainId: chain.chainId, rewardsVault: chain.vault, inferenceCredits: credits },
        log: { level: "warn" },
        epochs: { intervalMs: 0 },
      }),
    );
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, "--config", config, ...args], {
          env: { ...process.env, GITBLOCK_RELAYER_KEY: HARDHAT_KEYS.relayer },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => {
          stdout += chunk;
        });
        child.stderr.on("data", (chunk) => {
          stderr += chunk;
        });
        child.once("exit", (code) => resolve({ code, stdout, stderr }));
      });
    const shown = await run(["credits", "show", user.address, "--json"]);
    assert.equal(shown.code, 0, shown.stderr);
    const balance = JSON.parse(shown.stdout);
    assert.deepEqual([balance.debitedWei, balance.unsettledWei], [GBT(1).toString(), GBT(1).toString()]);
    const settled = await run(["credits", "settle", "--json"]);
    assert.equal(settled.code, 0, settled.stderr);
    const round = JSON.parse(settled.stdout);
    assert.equal(round.settled[0].spentWei, GBT(1).toString());
    assert.equal((await onChain(user.address)).spent, GBT(1));
    owed.delete(user.address);
    const again = JSON.parse((await run(["credits", "settle", "--json"])).stdout);
    assert.deepEqual(again, { settled: [], stopped: "done" });
    assert.equal((await run(["credits", "show", "0x123"])).code, 1);
  });
});
