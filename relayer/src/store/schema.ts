import type { ColumnType, Kysely } from "kysely";

/**
 * The tables as Kysely sees them (the schema itself is `migrations.ts`). Wei amounts are TEXT (they overflow 64
 * bits); BIGINT reads back as a number from SQLite and as a string from PostgreSQL (pg's int8), which is why it
 * is typed `Int8` and the row converters (`rows.ts`) take either.
 */
type Int8 = ColumnType<number | string, number, number>;
type OptInt8 = ColumnType<number | string | null, number | null | undefined, number | null>;
/** A column with a default: optional on insert. */
type Default<T> = ColumnType<T, T | undefined, T>;

export interface NodesTable {
  address: string;
  operator: string;
  country: string | null;
  reputation_bps: number;
  strikes: Default<number>;
  active_strikes: Default<number>;
  tasks_validated: ColumnType<number | string, number | undefined, number>;
  tasks_failed: ColumnType<number | string, number | undefined, number>;
  banned_until: OptInt8;
  confirmed_wei: Default<string>;
  created_at: Int8;
  last_seen_at: Int8;
  /** JSON array of the active strikes' times (ms). */
  strike_times: Default<string>;
}

export interface AuthNoncesTable {
  nonce: string;
  expires_at: Int8;
  used_at: OptInt8;
}

export interface SessionsTable {
  token_hash: string;
  account: string;
  expires_at: Int8;
  session_key: string | null;
}

export interface TasksTable {
  id: string;
  kind: string;
  status: string;
  model: string;
  input: string;
  max_tokens: number;
  seed: Int8;
  pinned_node: string | null;
  created_at: Int8;
  assigned_at: OptInt8;
  deadline: OptInt8;
  output_hash: string | null;
  tokens_generated: number | null;
  judged_at: OptInt8;
  epoch: number | null;
  /** Assignments of the current stage not answered yet: a batch moves it once per task; 0 makes the task due. */
  open_assignments: Default<number>;
  /** Assignments drawn for the current stage (0: nobody could be drawn; the task waits for its deadline). */
  stage_size: Default<number>;
  /** A served request's sampling temperature (0: greedy, as every task). */
  temperature: Default<number>;
  /** JSON token ids a served request's claim continues from (a failover); erased with the input. */
  prefix_ids: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ApiKeysTable {
  id: string;
  account: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: Int8;
  last_used_at: OptInt8;
  revoked_at: OptInt8;
}

export interface GatewayUsageTable {
  subject: string;
  day: number;
  requests: Default<number>;
  tokens: ColumnType<number | string, number | undefined, number>;
}

/** An account's side of the credit book (credits/): wei as decimal TEXT. */
export interface CreditAccountsTable {
  account: string;
  /** Every debit not refunded, cumulative. */
  debited_wei: Default<string>;
  /** Debits settlement found above the account's funded credit (withdrawn first) and wrote off, cumulative. */
  written_off_wei: Default<string>;
  /** The cumulative spending last settled on-chain for the account. */
  settled_wei: Default<string>;
  updated_at: Int8;
}

export interface CreditDebitsTable {
  /** The request the debit paid for: one debit per ref. */
  ref: string;
  account: string;
  amount_wei: string;
  created_at: Int8;
  refunded_at: OptInt8;
  /** The `credit_settlements.id` that covers it (null: unsettled, still refundable). */
  settlement: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface CreditSettlementsTable {
  id: string;
  /** The contract's epoch (null: nothing to move on-chain, only write-offs). */
  epoch: number | null;
  /** prepared · signed · settled · abandoned (credits/credit-settlement.ts). */
  status: string;
  /** JSON `SettlementEntry[]`. */
  entries: string;
  raw_tx: string | null;
  tx_hash: string | null;
  error: string | null;
  created_at: Int8;
  settled_at: OptInt8;
}

export interface AssignmentsTable {
  task_id: string;
  node: string;
  status: string;
  output_hash: string | null;
  tokens_generated: number | null;
  queue_ms: number | null;
  inference_ms: number | null;
  assigned_at: Int8;
  submitted_at: OptInt8;
  reward_wei: Default<string>;
  role: Default<string>;
  commitment: string | null;
  commit_signature: string | null;
  /** JSON array of token ids: a generator's reveal, a trap's altered claim. Erased once the task is final. */
  token_ids: string | null;
  /** JSON of a verifier's StoredReport. */
  report: string | null;
  trap: Default<number>;
  deadline: ColumnType<number | string, number | undefined, number>;
}

export interface LedgerTable {
  epoch: number;
  account: string;
  kind: string;
  ref: string;
  amount_wei: string;
  bonus_wei: Default<string>;
  created_at: Int8;
}

export interface EpochsTable {
  epoch: number;
  status: string;
  opened_at: Int8;
  closed_at: OptInt8;
  leaf_count: number | null;
  cumulative_total: string | null;
  network_share: string | null;
  network_credits: string | null;
  carry_wei: string | null;
  network_carry_wei: string | null;
  proposal_error: string | null;
  root: string | null;
  content_hash: string | null;
  tx_hash: string | null;
  raw_tx: string | null;
  proposed_at: OptInt8;
  final_at: OptInt8;
}

export interface EpochLeavesTable {
  epoch: number;
  idx: number;
  account: string;
  cumulative_amount: string;
  earned_wei: string;
  reputation_bps: number;
  tasks_validated: Int8;
  tasks_failed: Int8;
  strikes: number;
}

export interface EpochTreesTable {
  epoch: number;
  layers: Uint8Array;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface PublisherDomainsTable {
  domain: string;
  publisher: string;
  token: string;
  status: string;
  reason: string | null;
  created_at: Int8;
  checked_at: OptInt8;
  verified_at: OptInt8;
}

export interface PlacementsTable {
  id: string;
  publisher: string;
  page_id: string;
  placement_id: string;
  domain: string;
  path_prefix: string;
  limits: string;
  publisher_share_bps: number;
  created_at: Int8;
}

export interface NodePlacementsTable {
  node: string;
  placement: string;
  since: Int8;
}

export interface PlacementTasksTable {
  task_id: string;
  placement: string;
  publisher: string;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string | null;
  applied_at: Int8 | null;
}

export interface Database {
  nodes: NodesTable;
  auth_nonces: AuthNoncesTable;
  sessions: SessionsTable;
  tasks: TasksTable;
  assignments: AssignmentsTable;
  ledger: LedgerTable;
  epochs: EpochsTable;
  epoch_leaves: EpochLeavesTable;
  epoch_trees: EpochTreesTable;
  meta: MetaTable;
  api_keys: ApiKeysTable;
  gateway_usage: GatewayUsageTable;
  credit_accounts: CreditAccountsTable;
  credit_debits: CreditDebitsTable;
  credit_settlements: CreditSettlementsTable;
  publisher_domains: PublisherDomainsTable;
  placements: PlacementsTable;
  node_placements: NodePlacementsTable;
  placement_tasks: PlacementTasksTable;
  schema_migrations: SchemaMigrationsTable;
}

/** The database or a transaction on it: store helpers take either. */
export type Db = Kysely<Database>;
