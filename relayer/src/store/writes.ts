import { type Expression, sql } from "kysely";
import type { Columns, Dialect } from "./dialect.ts";
import type { Db } from "./schema.ts";

const NODE = {
  address: "text",
  operator: "text",
  country: "text?",
  reputation_bps: "int",
  strikes: "int",
  active_strikes: "int",
  tasks_validated: "bigint",
  tasks_failed: "bigint",
  banned_until: "bigint?",
  confirmed_wei: "text",
  last_seen_at: "bigint",
  strike_times: "text",
} as const satisfies Columns;

const TASK = {
  id: "text",
  kind: "text",
  status: "text",
  model: "text",
  input: "text",
  max_tokens: "int",
  seed: "bigint",
  pinned_node: "text?",
  created_at: "bigint",
  assigned_at: "bigint?",
  deadline: "bigint?",
  output_hash: "text?",
  tokens_generated: "int?",
  judged_at: "bigint?",
  epoch: "int?",
} as const satisfies Columns;

/** A served request's task: a whole row, with the columns only served tasks set. */
export const SERVED_TASK = {
  ...TASK,
  open_assignments: "int",
  stage_size: "int",
  temperature: "real",
  prefix_ids: "text?",
} as const satisfies Columns;

/** A served request's one assignment: its generator, already answered. */
export const SERVED_ASSIGNMENT = {
  task_id: "text",
  node: "text",
  status: "text",
  output_hash: "text",
  tokens_generated: "int",
  queue_ms: "real?",
  inference_ms: "real?",
  assigned_at: "bigint",
  submitted_at: "bigint",
  reward_wei: "text",
  role: "text",
  token_ids: "text?",
  trap: "int",
  deadline: "bigint",
} as const satisfies Columns;

const LEDGER = {
  epoch: "int",
  account: "text",
  kind: "text",
  ref: "text",
  amount_wei: "text",
  bonus_wei: "text",
  created_at: "bigint",
} as const satisfies Columns;

/** Every column of a spec, as `col(…)` expressions: the values of an INSERT of whole rows. */
function all<C extends Columns>(columns: C, col: (name: keyof C & string) => Expression<unknown>) {
  return Object.fromEntries(Object.keys(columns).map((name) => [name, col(name)]));
}

/**
 * The hot path's writes, each one statement built once through Kysely and run for a whole batch of rows
 * (`Dialect.batch`): a dispatch pass, a result batch or a verdict batch costs no query building per row, and
 * on PostgreSQL one round trip per statement.
 */
export function batchWrites(dialect: Dialect, db: Db) {
  const { batch } = dialect;
  return {
    /** Tasks, whole rows (bulk submission). */
    insertTasks: batch(TASK, (r) => r.insert(db.insertInto("tasks"), all(TASK, r.col))),

    /** Served requests' parts (Store.recordServed), a gateway burst at a time. */
    insertServedTasks: batch(SERVED_TASK, (r) => r.insert(db.insertInto("tasks"), all(SERVED_TASK, r.col))),
    insertServedAssignments: batch(SERVED_ASSIGNMENT, (r) =>
      r.insert(db.insertInto("assignments"), all(SERVED_ASSIGNMENT, r.col)),
    ),

    /** A queued task gets its generator (the caller checked and, on PostgreSQL, locked it). */
    assignTasks: batch({ id: "text", now: "bigint", deadline: "bigint" }, (r) =>
      r
        .update(db.updateTable("tasks"))
        .set({
          status: "assigned",
          assigned_at: r.col("now"),
          deadline: r.col("deadline"),
          open_assignments: 1,
          stage_size: 1,
        })
        .where("tasks.id", "=", r.col("id")),
    ),

    insertAssignments: batch(
      {
        task_id: "text",
        node: "text",
        role: "text",
        assigned_at: "bigint",
        deadline: "bigint",
        token_ids: "text?",
        trap: "int",
      },
      (r) =>
        r.insert(db.insertInto("assignments"), {
          task_id: r.col("task_id"),
          node: r.col("node"),
          role: r.col("role"),
          status: sql.lit("assigned"),
          assigned_at: r.col("assigned_at"),
          deadline: r.col("deadline"),
          token_ids: r.col("token_ids"),
          trap: r.col("trap"),
        }),
    ),

    /** A commitment, reveal or report: the assignment's new state, decided by the caller on the locked rows. */
    writeWork: batch(
      {
        task_id: "text",
        node: "text",
        status: "text",
        commitment: "text?",
        commit_signature: "text?",
        token_ids: "text?",
        output_hash: "text?",
        tokens_generated: "int?",
        report: "text?",
        queue_ms: "real?",
        inference_ms: "real?",
        submitted_at: "bigint?",
      },
      (r) =>
        r
          .update(db.updateTable("assignments"))
          .set({
            status: r.col("status"),
            commitment: r.col("commitment"),
            commit_signature: r.col("commit_signature"),
            token_ids: r.col("token_ids"),
            output_hash: r.col("output_hash"),
            tokens_generated: r.col("tokens_generated"),
            report: r.col("report"),
            queue_ms: r.col("queue_ms"),
            inference_ms: r.col("inference_ms"),
            submitted_at: r.col("submitted_at"),
          })
          .where("assignments.task_id", "=", r.col("task_id"))
          .where("assignments.node", "=", r.col("node")),
    ),

    /** Moves a task's open-answer counter by the answers a batch stored for it. */
    countAnswers: batch({ id: "text", n: "int" }, (r) =>
      r
        .update(db.updateTable("tasks"))
        .set((eb) => ({ open_assignments: eb("tasks.open_assignments", "-", r.col("n")) }))
        .where("tasks.id", "=", r.col("id"))
        .returning(["tasks.id", "tasks.open_assignments", "tasks.stage_size"]),
    ),

    /** A task's next stage or its final state. */
    judgeTasks: batch(
      {
        id: "text",
        status: "text",
        output_hash: "text?",
        tokens_generated: "int?",
        judged_at: "bigint?",
        epoch: "int?",
        deadline: "bigint?",
        open: "int",
      },
      (r) =>
        r
          .update(db.updateTable("tasks"))
          .set({
            status: r.col("status"),
            output_hash: r.col("output_hash"),
            tokens_generated: r.col("tokens_generated"),
            judged_at: r.col("judged_at"),
            epoch: r.col("epoch"),
            deadline: r.col("deadline"),
            open_assignments: r.col("open"),
            stage_size: r.col("open"),
          })
          .where("tasks.id", "=", r.col("id")),
    ),

    /** A final task forgets its input: prompts are not kept after verification. */
    eraseInputs: batch({ id: "text" }, (r) =>
      r.update(db.updateTable("tasks")).set({ input: "", prefix_ids: null }).where("tasks.id", "=", r.col("id")),
    ),

    /** A final verdict on an assignment; its claim and commitment are erased (outputs are not kept). */
    judgeAssignments: batch({ task_id: "text", node: "text", status: "text", reward_wei: "text" }, (r) =>
      r
        .update(db.updateTable("assignments"))
        .set({ status: r.col("status"), reward_wei: r.col("reward_wei"), token_ids: null, commitment: null })
        .where("assignments.task_id", "=", r.col("task_id"))
        .where("assignments.node", "=", r.col("node")),
    ),

    insertLedger: batch(LEDGER, (r) => r.insert(db.insertInto("ledger"), all(LEDGER, r.col))),

    /** A node's whole state, written back (once per node per batch). */
    writeNodes: batch(NODE, (r) =>
      r
        .update(db.updateTable("nodes"))
        .set({
          operator: r.col("operator"),
          country: r.col("country"),
          reputation_bps: r.col("reputation_bps"),
          strikes: r.col("strikes"),
          active_strikes: r.col("active_strikes"),
          tasks_validated: r.col("tasks_validated"),
          tasks_failed: r.col("tasks_failed"),
          banned_until: r.col("banned_until"),
          confirmed_wei: r.col("confirmed_wei"),
          last_seen_at: r.col("last_seen_at"),
          strike_times: r.col("strike_times"),
        })
        .where("nodes.address", "=", r.col("address")),
    ),

    /** An epoch's leaves capped to the vault's emission limit (every leaf of a large epoch, at worst). */
    setLeafAmounts: batch({ epoch: "int", idx: "int", amount: "text" }, (r) =>
      r
        .update(db.updateTable("epoch_leaves"))
        .set({ cumulative_amount: r.col("amount") })
        .where("epoch_leaves.epoch", "=", r.col("epoch"))
        .where("epoch_leaves.idx", "=", r.col("idx")),
    ),
  };
}
