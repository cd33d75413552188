import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { capEmission, totalOf } from "../../src/settlement/emission-cap.ts";

/** A small seeded generator (xorshift), so a failure names inputs that reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const wei = (next: () => number, max: number) => BigInt(Math.floor(next() * max));

describe("emission cap", () => {
  it("gives every node its earnings and the network its share when the epoch fits the budget", () => {
    const capped = capEmission({ earned: [10n, 30n], previous: [4n, 0n], networkOwed: 12n, budget: 48n });
    assert.deepEqual(capped, { amounts: [10n, 30n], networkShare: 12n, carryWei: 0n, networkCarryWei: 0n });
    assert.deepEqual(capEmission({ earned: [10n], previous: [4n], networkOwed: 2n, budget: null }).amounts, [10n]);
  });

  it("scales every increase and the network share by budget / owed, rounding down, and carries the rest", () => {
    // Owed: increases 6 + 30 and network 12 = 48; budget 24 halves each.
    const capped = capEmission({ earned: [10n, 30n], previous: [4n, 0n], networkOwed: 12n, budget: 24n });
    assert.deepEqual(capped, { amounts: [7n, 15n], networkShare: 6n, carryWei: 24n, networkCarryWei: 6n });
    const none = capEmission({ earned: [10n, 30n], previous: [4n, 0n], networkOwed: 12n, budget: 0n });
    assert.deepEqual(none.amounts, [4n, 0n], "no budget: the leaves stay where the last epoch left them");
    assert.equal(none.carryWei, 48n);
  });

  it("never emits more than the budget, never lowers a leaf, never pays past earnings, and loses nothing", () => {
    for (let seed = 1; seed <= 500; seed++) {
      const next = random(seed);
      const leaves = 1 + Math.floor(next() * 20);
      const previous = Array.from({ length: leaves }, () => wei(next, 1e12));
      const earned = previous.map((p) => p + wei(next, 1e12));
      const networkOwed = wei(next, 1e12);
      const budget = wei(next, 1e13);
      const capped = capEmission({ earned, previous, networkOwed, budget });
      const emission = totalOf(capped.amounts) - totalOf(previous) + capped.networkShare;
      assert.ok(emission <= budget, `seed ${seed}: emission ${emission} over budget ${budget}`);
      capped.amounts.forEach((amount, i) => {
        assert.ok(amount >= (previous[i] ?? 0n) && amount <= (earned[i] ?? 0n), `seed ${seed}: leaf ${i}`);
      });
      const owed = totalOf(earned) - totalOf(previous) + networkOwed;
      assert.equal(emission + capped.carryWei, owed, `seed ${seed}: emitted + carried = owed`);
      assert.equal(capped.networkShare + capped.networkCarryWei, networkOwed);
      // Rounding loses at most one wei per leaf and one for the network against the budget.
      if (owed > budget) assert.ok(budget - emission <= BigInt(leaves + 1), `seed ${seed}: budget unused`);
    }
  });
});
