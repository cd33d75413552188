import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GroupCommit } from "../../src/store/group-commit.ts";

/** A writer that records each batch it was given and doubles every item (or throws on the poison value). */
function recordingWriter(poison?: number) {
  const batches: number[][] = [];
  const write = async (items: number[]) => {
    batches.push([...items]);
    if (poison !== undefined && items.includes(poison)) throw new Error(`poisoned by ${poison}`);
    return items.map((n) => n * 2);
  };
  return { batches, write };
}

describe("GroupCommit", () => {
  it("writes what is submitted in one event-loop turn as one batch, outcomes in order", async () => {
    const writer = recordingWriter();
    const commits = new GroupCommit({ write: writer.write, gatherMs: 0, maxBatch: 100 });
    const outcomes = await Promise.all([1, 2, 3, 4].map((n) => commits.submit(n)));
    assert.deepEqual(outcomes, [2, 4, 6, 8]);
    assert.deepEqual(writer.batches, [[1, 2, 3, 4]]);
  });

  it("splits a burst larger than maxBatch into batches, keeping submission order", async () => {
    const writer = recordingWriter();
    const commits = new GroupCommit({ write: writer.write, gatherMs: 0, maxBatch: 3 });
    const outcomes = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => commits.submit(n)));
    assert.deepEqual(outcomes, [2, 4, 6, 8, 10, 12, 14]);
    assert.deepEqual(writer.batches, [[1, 2, 3], [4, 5, 6], [7]]);
  });

  it("items submitted while a batch is written go in a later batch, none lost", async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const commits = new GroupCommit({
      write: async (items: number[]) => {
        batches.push([...items]);
        if (batches.length === 1) await gate;
        return items;
      },
      gatherMs: 0,
      maxBatch: 100,
    });
    const first = commits.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [[1]], "the first batch is being written");
    const later = [commits.submit(2), commits.submit(3)];
    release();
    assert.deepEqual(await Promise.all([first, ...later]), [1, 2, 3]);
    assert.deepEqual(batches, [[1], [2, 3]]);
  });

  it("without isolation a failed batch rejects every item with its error", async () => {
    const writer = recordingWriter(2);
    const commits = new GroupCommit({ write: writer.write, gatherMs: 0, maxBatch: 100 });
    const settled = await Promise.allSettled([1, 2, 3].map((n) => commits.submit(n)));
    assert.deepEqual(
      settled.map((s) => s.status),
      ["rejected", "rejected", "rejected"],
    );
    assert.deepEqual(writer.batches, [[1, 2, 3]]);
  });

  it("with isolation a failed batch is retried item by item: only the bad item fails", async () => {
    const writer = recordingWriter(2);
    const commits = new GroupCommit({ write: writer.write, gatherMs: 0, maxBatch: 100, isolateFailures: true });
    const settled = await Promise.allSettled([1, 2, 3].map((n) => commits.submit(n)));
    assert.deepEqual(settled[0], { status: "fulfilled", value: 2 });
    assert.equal(settled[1]?.status, "rejected");
    assert.match(String((settled[1] as PromiseRejectedResult).reason), /poisoned by 2/);
    assert.deepEqual(settled[2], { status: "fulfilled", value: 6 });
    assert.deepEqual(writer.batches, [[1, 2, 3], [1], [2], [3]]);
  });

  it("drain writes a gathering batch at once instead of waiting out its window", async () => {
    const writer = recordingWriter();
    // A window far longer than any test: drain must not wait for it.
    const commits = new GroupCommit({ write: writer.write, gatherMs: 3_600_000, maxBatch: 100 });
    const outcome = commits.submit(21);
    await commits.drain();
    assert.deepEqual(writer.batches, [[21]]);
    assert.equal(await outcome, 42);
  });
});
