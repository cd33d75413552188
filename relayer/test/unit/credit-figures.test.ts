import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { availableCredit, settlementFigure, spentSoFar, unsettledDebits } from "../../src/credits/spendable.ts";

const chain = (funded: bigint, spent = 0n, pendingWithdrawal = 0n) => ({
  funded,
  spent,
  pendingWithdrawal,
  unlockAt: 0n,
});
const book = (debited: bigint, writtenOff = 0n) => ({ debited, writtenOff });

describe("the credit book's figures", () => {
  it("available is funded, less the pending withdrawal, less what was debited and not written off; never below 0", () => {
    assert.equal(availableCredit(chain(10n), book(0n)), 10n);
    assert.equal(availableCredit(chain(10n, 4n), book(4n)), 6n, "settled debits count once");
    assert.equal(availableCredit(chain(10n, 4n), book(7n)), 3n, "unsettled debits count too");
    assert.equal(availableCredit(chain(10n, 0n, 6n), book(3n)), 1n);
    assert.equal(availableCredit(chain(10n, 0n, 9n), book(3n)), 0n);
    assert.equal(availableCredit(chain(5n, 2n), book(3n, 1n)), 3n, "written-off debits no longer count");
    assert.equal(availableCredit(chain(10n, 8n), book(3n)), 2n, "the contract's spent is a floor");
  });

  it("unsettled debits are what the book debited beyond the settled spending and its write-offs", () => {
    assert.equal(unsettledDebits(chain(10n, 4n), book(7n)), 3n);
    assert.equal(unsettledDebits(chain(10n, 4n), book(5n, 1n)), 0n);
    assert.equal(spentSoFar(chain(10n, 4n), book(3n)), 4n);
  });

  it("a settlement figure is capped at funded, the rest written off, and never below what was settled", () => {
    assert.deepEqual(settlementFigure(chain(10n), book(6n)), { cumulativeSpent: 6n, writeOff: 0n });
    assert.deepEqual(settlementFigure(chain(4n, 1n), book(6n)), { cumulativeSpent: 4n, writeOff: 2n });
    assert.deepEqual(settlementFigure(chain(4n, 4n), book(6n, 2n)), { cumulativeSpent: 4n, writeOff: 0n });
    assert.deepEqual(settlementFigure(chain(10n, 5n), book(3n)), { cumulativeSpent: 5n, writeOff: 0n });
  });
});
