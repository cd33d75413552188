// The watcher's checks, each made to fail by a crafted file (in memory: `checkProposal` takes any byte source).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeState } from "@gitblock/sdk";
import { type Address, type Hex, keccak256, toBytes } from "viem";
import { capEmission, totalOf } from "../../src/settlement/emission-cap.ts";
import { epochFileLines } from "../../src/settlement/epoch-file.ts";
import { buildEpochTree } from "../../src/settlement/merkle.ts";
import {
  type CheckName,
  type CheckResult,
  checkProposal,
  type OnChainEpoch,
  type OpenEpochFile,
} from "../../src/watch/proposal-check.ts";

const account = (i: number) => `0x${(i + 1).toString(16).padStart(40, "0")}` as Address;
const state = (i: number, amount: bigint, more: Partial<NodeState> = {}): NodeState => ({
  account: account(i),
  cumulativeAmount: amount,
  reputationBps: 9_000,
  tasksValidated: 10n,
  tasksFailed: 2n,
  strikes: 1,
  ...more,
});
const sum = (states: NodeState[]) => states.reduce((total, s) => total + s.cumulativeAmount, 0n);

/** An epoch as an honest relayer publishes it: its file, and what its proposal puts on-chain. */
async function published(epoch: number, states: NodeState[], networkShare = 5n) {
  const root = (await buildEpochTree(states, states.length)).root;
  const onChainTotal = sum(states);
  const text = [
    ...epochFileLines({ epoch, root, cumulativeTotal: onChainTotal, networkShare, leafCount: states.length }, states),
  ].join("");
  const onChain: OnChainEpoch = {
    epoch,
    root,
    contentHash: keccak256(toBytes(text)),
    cumulativeTotal: onChainTotal,
    networkShare,
  };
  return { text, onChain };
}

/** The relayer's files, served from memory; an epoch missing from `files` is unavailable (the open throws). */
function serve(files: Record<number, string>): OpenEpochFile {
  return async (epoch) => {
    const text = files[epoch];
    if (text === undefined) throw new Error(`HTTP 404 for epoch ${epoch}`);
    return (async function* () {
      yield new TextEncoder().encode(text);
    })();
  };
}

const checksFailed = (result: CheckResult): CheckName[] => [...new Set(result.findings.map((f) => f.check))].sort();

const baselineStates = [state(0, 100n), state(1, 200n), state(2, 300n)];
const baseline = await published(1, baselineStates);
/** Epoch 2 honest: account 1 earned 50, account 3 is new with 25. */
const honestStates = [
  state(0, 100n),
  state(1, 250n, { tasksValidated: 12n }),
  state(2, 300n),
  state(3, 25n, { tasksValidated: 1n, tasksFailed: 0n, strikes: 0 }),
];

async function check(
  states: NodeState[],
  change: (p: OnChainEpoch, text: string) => [OnChainEpoch, string] = (p, t) => [p, t],
) {
  const proposal = await published(2, states);
  const [onChain, text] = change(proposal.onChain, proposal.text);
  return checkProposal(onChain, baseline.onChain, serve({ 1: baseline.text, 2: text }));
}

describe("the watcher's checks of a proposal", () => {
  it("pass an honest epoch, and an honest first epoch (no previous final epoch)", async () => {
    const result = await check(honestStates);
    assert.deepEqual(result.findings, []);
    assert.equal(result.verdict, "pass");
    assert.equal(result.leaves, 4);
    const first = await checkProposal(baseline.onChain, null, serve({ 1: baseline.text }));
    assert.equal(first.verdict, "pass");
  });

  it("format: a line not in canonical form", async () => {
    const result = await check(honestStates, (p, t) => [p, t.replace('"strikes":0', '"strikes": 0')]);
    assert.equal(result.verdict, "mismatch");
    assert.deepEqual(checksFailed(result), ["format"]);
  });

  it("header: the file names another network share than the proposal", async () => {
    const result = await check(honestStates, (p, t) => [{ ...p, networkShare: p.networkShare + 1n }, t]);
    assert.deepEqual(checksFailed(result), ["header"]);
  });

  it("contentHash: bytes that do not hash to the proposal's contentHash", async () => {
    const other: Hex = keccak256(toBytes("another file"));
    const result = await check(honestStates, (p, t) => [{ ...p, contentHash: other }, t]);
    assert.deepEqual(checksFailed(result), ["contentHash"]);
  });

  it("root: leaves that do not rebuild the proposed root", async () => {
    const other: Hex = keccak256(toBytes("another root"));
    const result = await check(honestStates, (p, t) => {
      const text = t.replace(p.root.toLowerCase(), other);
      return [{ ...p, root: other, contentHash: keccak256(toBytes(text)) }, text];
    });
    assert.deepEqual(checksFailed(result), ["root"]);
  });

  it("total and emission: leaves that add up to more than the proposal declares", async () => {
    const inflated = honestStates.map((s, i) =>
      i === 3 ? { ...s, cumulativeAmount: s.cumulativeAmount + 1_000n } : s,
    );
    const result = await check(inflated, (p) => {
      // The proposal (and its header) declare the honest total; the leaves give account 3 a thousand more.
      const honestTotal = sum(honestStates);
      const header = { ...p, cumulativeTotal: honestTotal, leafCount: inflated.length };
      const text = [...epochFileLines(header, inflated)].join("");
      return [{ ...p, cumulativeTotal: honestTotal, contentHash: keccak256(toBytes(text)) }, text];
    });
    const failed = checksFailed(result);
    assert.deepEqual(failed, ["emission", "total"]);
  });

  it("emission: a previous final epoch whose leaves exceed its declared total is not topped up by this one", async () => {
    // Epoch 1 declared 500 but its leaves hold 600 (never watched); epoch 2's leaves are right for its own total.
    const underDeclared = { ...baseline.onChain, cumulativeTotal: sum(baselineStates) - 100n };
    const proposal = await published(2, honestStates);
    const result = await checkProposal(proposal.onChain, underDeclared, serve({ 1: baseline.text, 2: proposal.text }));
    assert.ok(checksFailed(result).includes("emission"), JSON.stringify(result.findings));
  });

  it("backwards: the review's redistribution (zero emission, one account's amount moved to another)", async () => {
    const moved = [state(0, 0n), state(1, 200n), state(2, 300n + 100n)];
    assert.equal(sum(moved), sum(baselineStates), "no emission at all");
    const result = await check(moved);
    assert.deepEqual(checksFailed(result), ["backwards"]);
    assert.match(result.findings[0]?.detail ?? "", new RegExp(`${account(0)}: cumulativeAmount 100 → 0`));
  });

  it("backwards: each task counter and the strikes, one at a time", async () => {
    for (const field of ["tasksValidated", "tasksFailed", "strikes"] as const) {
      const lowered = honestStates.map((s, i) =>
        i === 2 ? { ...s, [field]: field === "strikes" ? s.strikes - 1 : (s[field] as bigint) - 1n } : s,
      );
      const result = await check(lowered);
      assert.deepEqual(checksFailed(result), ["backwards"], field);
      assert.match(result.findings[0]?.detail ?? "", new RegExp(`: ${field} `));
    }
  });

  it("disappeared: an account of the previous final epoch has no leaf (and its amount is not counted as emission)", async () => {
    const result = await check(honestStates.filter((_, i) => i !== 1));
    assert.deepEqual(checksFailed(result), ["disappeared", "emission"]);
  });

  it("baseline: the previous final epoch's file does not match that epoch on-chain", async () => {
    const proposal = await published(2, honestStates);
    const tampered = baseline.text.replace('"strikes":1}', '"strikes":2}');
    const result = await checkProposal(proposal.onChain, baseline.onChain, serve({ 1: tampered, 2: proposal.text }));
    assert.ok(checksFailed(result).includes("baseline"), JSON.stringify(result.findings));
  });

  it("baseline: an epoch proposed before epoch files (contentHash over the leaf layer) is accepted as the baseline", async () => {
    const legacy = {
      ...baseline.onChain,
      contentHash: await (await buildEpochTree(baselineStates, 3)).leafLayerHash(),
    };
    const proposal = await published(2, honestStates);
    const result = await checkProposal(proposal.onChain, legacy, serve({ 1: baseline.text, 2: proposal.text }));
    assert.equal(result.verdict, "pass", JSON.stringify(result.findings));
  });

  it("unavailable: a file that cannot be fetched, or whose transfer breaks off, is no verdict yet", async () => {
    const proposal = await published(2, honestStates);
    const missing = await checkProposal(proposal.onChain, baseline.onChain, serve({ 1: baseline.text }));
    assert.equal(missing.verdict, "unavailable");
    assert.match(missing.unavailable ?? "", /404/);
    const broken: OpenEpochFile = async (epoch) =>
      (async function* () {
        const text = epoch === 1 ? baseline.text : proposal.text;
        yield new TextEncoder().encode(text.slice(0, text.length / 2));
        throw new TypeError("terminated");
      })();
    const cut = await checkProposal(proposal.onChain, baseline.onChain, broken);
    assert.equal(cut.verdict, "unavailable");
  });

  it("pass every epoch the relayer's own rules make: capped emission, carry, nodes joining (no false alarm)", async () => {
    // 30 epochs of random earnings under a random budget, capped by the settler's own function: each must pass
    // against the one before it, or honest relayers would be vetoed.
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const earned = new Map<number, bigint>();
    let before: Awaited<ReturnType<typeof published>> | null = null;
    let previousAmounts = new Map<number, bigint>();
    const counters = new Map<number, { validated: bigint; failed: bigint; strikes: number }>();
    for (let epoch = 1; epoch <= 30; epoch++) {
      for (let joined = 0; joined < 2; joined++) earned.set(random(40), 0n);
      const accounts = [...earned.keys()].sort((a, b) => a - b);
      for (const i of accounts) {
        earned.set(i, (earned.get(i) ?? 0n) + BigInt(random(1_000)));
        const c = counters.get(i) ?? { validated: 0n, failed: 0n, strikes: 0 };
        const failed = random(4) === 0;
        counters.set(i, {
          validated: c.validated + (failed ? 0n : 1n),
          failed: c.failed + (failed ? 1n : 0n),
          strikes: c.strikes + (failed ? 1 : 0),
        });
      }
      const capped = capEmission({
        earned: accounts.map((i) => earned.get(i) ?? 0n),
        previous: accounts.map((i) => previousAmounts.get(i) ?? 0n),
        networkOwed: BigInt(random(300)),
        budget: random(3) === 0 ? BigInt(random(2_000)) : null,
      });
      const states = accounts.map((i, k) => {
        const c = counters.get(i);
        return state(i, capped.amounts[k] ?? 0n, {
          reputationBps: random(10_001),
          tasksValidated: c?.validated ?? 0n,
          tasksFailed: c?.failed ?? 0n,
          strikes: c?.strikes ?? 0,
        });
      });
      const now = await published(epoch, states, capped.networkShare);
      assert.equal(now.onChain.cumulativeTotal, totalOf(capped.amounts));
      const result = await checkProposal(
        now.onChain,
        before?.onChain ?? null,
        serve({ [epoch - 1]: before?.text ?? "", [epoch]: now.text }),
      );
      assert.equal(result.verdict, "pass", `epoch ${epoch}: ${JSON.stringify(result.findings)}`);
      before = now;
      previousAmounts = new Map(accounts.map((i, k) => [i, capped.amounts[k] ?? 0n]));
    }
  });

  it("keeps a handful of examples per check, then a count", async () => {
    const many = Array.from({ length: 20 }, (_, i) => state(i, 100n));
    const before = await published(1, many);
    const after = await published(
      2,
      many.map((s) => ({ ...s, strikes: 0 })),
    );
    const result = await checkProposal(after.onChain, before.onChain, serve({ 1: before.text, 2: after.text }));
    const backwards = result.findings.filter((f) => f.check === "backwards");
    assert.equal(backwards.length, 6);
    assert.equal(backwards.at(-1)?.detail, "and 15 more");
  });
});
