/**
 * Schema migrations, applied in order inside one transaction each and recorded in `schema_migrations`.
 * The SQL sticks to what SQLite and PostgreSQL share (TEXT for wei amounts: they overflow 64-bit integers;
 * BIGINT for ms timestamps), so both dialects run the same list (PostgreSQL reads BLOB as BYTEA, REAL as DOUBLE
 * PRECISION). A migration's SQL is frozen once released: a change is a new migration.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The table recording applied migrations. Each dialect runs the list its own way (`dialects/*.ts`): SQLite
 * synchronously at open, PostgreSQL under an advisory lock so that relayers starting together apply each once.
 */
export const MIGRATIONS_TABLE =
  "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at BIGINT)";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    sql: `
CREATE TABLE nodes (
  address TEXT PRIMARY KEY,
  operator TEXT NOT NULL,
  country TEXT,
  reputation_bps INTEGER NOT NULL,
  strikes INTEGER NOT NULL DEFAULT 0,
  active_strikes INTEGER NOT NULL DEFAULT 0,
  tasks_validated BIGINT NOT NULL DEFAULT 0,
  tasks_failed BIGINT NOT NULL DEFAULT 0,
  banned_until BIGINT,
  confirmed_wei TEXT NOT NULL DEFAULT '0',
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);
CREATE TABLE auth_nonces (
  nonce TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE TABLE challenges (
  id TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  input TEXT NOT NULL,
  max_tokens INTEGER NOT NULL,
  seed BIGINT NOT NULL,
  expected_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  uses INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  model TEXT NOT NULL,
  input TEXT NOT NULL,
  max_tokens INTEGER NOT NULL,
  seed BIGINT NOT NULL,
  expected_hash TEXT,
  challenge_id TEXT,
  redundancy INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  assigned_at BIGINT,
  deadline BIGINT,
  output_hash TEXT,
  tokens_generated INTEGER,
  settled_at BIGINT,
  epoch INTEGER,
  open_assignments INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tasks_status_created ON tasks (status, created_at);
CREATE INDEX tasks_status_deadline ON tasks (status, deadline);
CREATE INDEX tasks_epoch ON tasks (epoch);
CREATE TABLE assignments (
  task_id TEXT NOT NULL,
  node TEXT NOT NULL,
  status TEXT NOT NULL,
  output_hash TEXT,
  tokens_generated INTEGER,
  queue_ms REAL,
  inference_ms REAL,
  assigned_at BIGINT NOT NULL,
  submitted_at BIGINT,
  reward_wei TEXT NOT NULL DEFAULT '0',
  PRIMARY KEY (task_id, node)
);
CREATE INDEX assignments_node ON assignments (node, assigned_at);
CREATE TABLE ledger (
  epoch INTEGER NOT NULL,
  account TEXT NOT NULL,
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,
  amount_wei TEXT NOT NULL,
  bonus_wei TEXT NOT NULL DEFAULT '0',
  created_at BIGINT NOT NULL,
  PRIMARY KEY (account, kind, ref)
);
CREATE INDEX ledger_epoch ON ledger (epoch);
CREATE INDEX ledger_passive ON ledger (account, created_at) WHERE kind = 'passive';
CREATE TABLE epochs (
  epoch INTEGER PRIMARY KEY,
  status TEXT NOT NULL,
  opened_at BIGINT NOT NULL,
  closed_at BIGINT,
  leaf_count INTEGER,
  cumulative_total TEXT,
  network_share TEXT,
  root TEXT,
  content_hash TEXT,
  tx_hash TEXT,
  raw_tx TEXT,
  proposed_at BIGINT,
  final_at BIGINT
);
CREATE TABLE epoch_leaves (
  epoch INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  account TEXT NOT NULL,
  cumulative_amount TEXT NOT NULL,
  reputation_bps INTEGER NOT NULL,
  tasks_validated BIGINT NOT NULL,
  tasks_failed BIGINT NOT NULL,
  strikes INTEGER NOT NULL,
  PRIMARY KEY (epoch, idx)
);
CREATE UNIQUE INDEX epoch_leaves_account ON epoch_leaves (epoch, account);
CREATE TABLE epoch_trees (
  epoch INTEGER PRIMARY KEY,
  layers BLOB NOT NULL
);
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: "ledger-without-account-key",
    // The (account, kind, ref) key put every credit at a random place in a per-account index: a settlement batch
    // rewrote a page per node it paid. Task credits are unique by the task's one-way status change, in the same
    // transaction; only passive windows need the database to refuse a second credit.
    sql: `
CREATE TABLE ledger_v2 (
  epoch INTEGER NOT NULL,
  account TEXT NOT NULL,
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,
  amount_wei TEXT NOT NULL,
  bonus_wei TEXT NOT NULL DEFAULT '0',
  created_at BIGINT NOT NULL
);
INSERT INTO ledger_v2 (epoch, account, kind, ref, amount_wei, bonus_wei, created_at)
  SELECT epoch, account, kind, ref, amount_wei, bonus_wei, created_at FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_v2 RENAME TO ledger;
CREATE INDEX ledger_epoch ON ledger (epoch, kind);
CREATE UNIQUE INDEX ledger_passive_window ON ledger (account, ref) WHERE kind = 'passive';
CREATE INDEX ledger_passive ON ledger (account, created_at) WHERE kind = 'passive';
`,
  },
  {
    version: 3,
    name: "tasks-judged-at",
    // "Settle" means one thing: an epoch's root on-chain. A task is judged (its verdict), so its column says so.
    sql: `
ALTER TABLE tasks RENAME COLUMN settled_at TO judged_at;
`,
  },
  {
    version: 4,
    name: "generator-and-verifiers",
    // One generator commits and reveals, verifiers report (DESIGN.md, Verification). Assignments carry a role and
    // the protocol's working state; a task counts the open assignments of its current stage (`stage_size` of them
    // were drawn: a stage nobody could be drawn for waits for its deadline instead of being due at once). Strikes
    // expire, so a node keeps when each active one was given. Known-answer challenges are generated, not drawn from
    // a stored pool, so the pool's table and the task columns that pointed into it go; so does `redundancy` (the
    // relayer picks how many verifiers a claim gets). A session names the key its commitments are signed with.
    sql: `
ALTER TABLE nodes ADD COLUMN strike_times TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sessions ADD COLUMN session_key TEXT;
ALTER TABLE tasks ADD COLUMN pinned_node TEXT;
ALTER TABLE tasks ADD COLUMN stage_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks DROP COLUMN expected_hash;
ALTER TABLE tasks DROP COLUMN challenge_id;
ALTER TABLE tasks DROP COLUMN redundancy;
DROP TABLE challenges;
ALTER TABLE assignments ADD COLUMN role TEXT NOT NULL DEFAULT 'generate';
ALTER TABLE assignments ADD COLUMN commitment TEXT;
ALTER TABLE assignments ADD COLUMN commit_signature TEXT;
ALTER TABLE assignments ADD COLUMN token_ids TEXT;
ALTER TABLE assignments ADD COLUMN report TEXT;
ALTER TABLE assignments ADD COLUMN trap INTEGER NOT NULL DEFAULT 0;
ALTER TABLE assignments ADD COLUMN deadline BIGINT NOT NULL DEFAULT 0;
CREATE INDEX assignments_node_status ON assignments (node, status);
`,
  },
  {
    version: 5,
    name: "emission-carry",
    // The vault caps what one epoch may emit; what does not fit carries into the next epoch. A leaf keeps the
    // node's uncapped earnings beside the capped amount its tree gives; an epoch keeps its own network credits
    // (its network share is capped and includes carry), what it carried over, and why the vault would refuse its
    // proposal. Epochs built before this were never capped: nothing carried.
    sql: `
ALTER TABLE epoch_leaves ADD COLUMN earned_wei TEXT NOT NULL DEFAULT '0';
UPDATE epoch_leaves SET earned_wei = cumulative_amount;
ALTER TABLE epochs ADD COLUMN network_credits TEXT;
ALTER TABLE epochs ADD COLUMN carry_wei TEXT;
ALTER TABLE epochs ADD COLUMN network_carry_wei TEXT;
ALTER TABLE epochs ADD COLUMN proposal_error TEXT;
UPDATE epochs SET network_credits = network_share WHERE network_share IS NOT NULL;
UPDATE epochs SET carry_wei = '0', network_carry_wei = '0' WHERE root IS NOT NULL;
`,
  },
  {
    version: 6,
    name: "queue-lanes",
    // The scheduler reads the queue by lane (scheduler/queue-lanes.ts): the oldest queued tasks of one model, or the
    // oldest pinned ones. Partial indexes hold queued rows only, so a lane is one short range read whatever the rest
    // of the queue holds, and they stay as small as the queue. The pinned index leads with the status it is
    // restricted to: without it SQLite's planner, which has no statistics, prefers tasks_status_created.
    sql: `
CREATE INDEX tasks_queued_lane ON tasks (model, created_at, id) WHERE status = 'queued' AND pinned_node IS NULL;
CREATE INDEX tasks_queued_pinned ON tasks (status, created_at, id) WHERE status = 'queued' AND pinned_node IS NOT NULL;
`,
  },
  {
    version: 7,
    name: "gateway",
    // The user gateway (`/v1`, inference/): API keys stored as their SHA-256 only, daily usage counters per
    // wallet or anonymous address (one row per subject and UTC day, raised by one conditional UPSERT so relayers
    // sharing PostgreSQL enforce one quota), and served requests recorded as tasks of kind 'served' for pay and
    // sampled verification: their sampling temperature (a sampled claim is judged within a wider band) and the
    // tokens another node streamed before a failover (fed before the claim, not scored; erased with the input).
    sql: `
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX api_keys_account ON api_keys (account, created_at);
CREATE TABLE gateway_usage (
  subject TEXT NOT NULL,
  day INTEGER NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  tokens BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (subject, day)
);
ALTER TABLE tasks ADD COLUMN temperature REAL NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN prefix_ids TEXT;
`,
  },
  {
    version: 8,
    name: "inference-credits",
    // The relayer's credit book (credits/): per account, its cumulative debits (net of refunds) and what settlement
    // wrote off beyond its funded credit; one row per debit, keyed by the request it paid for (a retried request
    // is debited once) and marked with the settlement that moved it on-chain (from then on it cannot be refunded);
    // and each settlement, stored with its figures before it is signed and with its signed transaction before it is
    // sent, so a restart finishes it instead of settling twice.
    sql: `
CREATE TABLE credit_accounts (
  account TEXT PRIMARY KEY,
  debited_wei TEXT NOT NULL DEFAULT '0',
  written_off_wei TEXT NOT NULL DEFAULT '0',
  settled_wei TEXT NOT NULL DEFAULT '0',
  updated_at BIGINT NOT NULL
);
CREATE TABLE credit_debits (
  ref TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  amount_wei TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  refunded_at BIGINT,
  settlement TEXT
);
CREATE INDEX credit_debits_unsettled ON credit_debits (account) WHERE settlement IS NULL AND refunded_at IS NULL;
CREATE INDEX credit_debits_settlement ON credit_debits (settlement) WHERE settlement IS NOT NULL;
CREATE TABLE credit_settlements (
  id TEXT PRIMARY KEY,
  epoch INTEGER,
  status TEXT NOT NULL,
  entries TEXT NOT NULL,
  raw_tx TEXT,
  tx_hash TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  settled_at BIGINT
);
CREATE INDEX credit_settlements_open ON credit_settlements (created_at) WHERE status IN ('prepared', 'signed');
`,
  },
  {
    version: 9,
    name: "publishers",
    // Publishers (publishers/): a domain belongs to one publisher (its primary key) and carries the token its TXT
    // record must hold and the last check's outcome; placements live on a domain; a node's session announces the
    // placement it runs in (one row per node: its latest `ready`), read when its claims are paid; and each task
    // whose generator paid a publisher keeps the placement it was paid through, for the earnings per placement.
    sql: `
CREATE TABLE publisher_domains (
  domain TEXT PRIMARY KEY,
  publisher TEXT NOT NULL,
  token TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  created_at BIGINT NOT NULL,
  checked_at BIGINT,
  verified_at BIGINT
);
CREATE INDEX publisher_domains_publisher ON publisher_domains (publisher);
CREATE INDEX publisher_domains_verified ON publisher_domains (checked_at) WHERE status = 'verified';
CREATE TABLE placements (
  id TEXT PRIMARY KEY,
  publisher TEXT NOT NULL,
  page_id TEXT NOT NULL,
  placement_id TEXT NOT NULL,
  domain TEXT NOT NULL,
  path_prefix TEXT NOT NULL,
  limits TEXT NOT NULL,
  publisher_share_bps INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX placements_publisher_ids ON placements (publisher, page_id, placement_id);
CREATE TABLE node_placements (
  node TEXT PRIMARY KEY,
  placement TEXT NOT NULL,
  since BIGINT NOT NULL
);
CREATE TABLE placement_tasks (
  task_id TEXT PRIMARY KEY,
  placement TEXT NOT NULL,
  publisher TEXT NOT NULL
);
CREATE INDEX placement_tasks_publisher ON placement_tasks (publisher);
`,
  },
];
