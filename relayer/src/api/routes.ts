import { createHash, timingSafeEqual } from "node:crypto";
import {
  API_BASE,
  FINAL_TASK_STATUSES,
  type FinalTaskStatus,
  isFinalTaskStatus,
  type ReadApi,
  routerPath,
  type TaskSubmitted,
} from "@gitblock/sdk";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { type Address, getAddress, isAddress } from "viem";
import * as z from "zod/v4";
import type { Clock } from "../clock.ts";
import type { RelayerConfig } from "../config/schema.ts";
import { TaskRefusedError } from "../errors.ts";
import type { NodeRegistry } from "../presence/registry.ts";
import { requireJudgeable } from "../scheduler/judgeable.ts";
import type { Scheduler } from "../scheduler/scheduler.ts";
import type { ChainClients } from "../settlement/chain.ts";
import { EPOCH_FILE_ROUTE } from "../settlement/epoch-file.ts";
import type { EpochSettler } from "../settlement/settler.ts";
import { publishedHeader, storedEpochFile } from "../settlement/stored-epoch-file.ts";
import type { Store } from "../store/types.ts";
import { sendJson } from "./json.ts";
import { claimedOnChain, nodeProfile } from "./profile.ts";
import { epochRow, type FinalTask, isFinalTask, nodeRow, TASK_NOT_FOUND, taskDetail, taskRow } from "./views.ts";

const MAX_MODEL_CHARS = 128;
const MAX_INPUT_CHARS = 8_192;

export const taskSubmission = z.strictObject({
  model: z.string().min(1).max(MAX_MODEL_CHARS),
  input: z.string().max(MAX_INPUT_CHARS),
  maxTokens: z.number().int().min(1).max(8_192),
  seed: z.number().int().nonnegative().default(0),
});

/**
 * The schema counts characters (UTF-16 code units), a body limit counts bytes. A JSON writer may escape any code
 * unit as `\uXXXX` (6 bytes), so the limit is six bytes per allowed character plus room for the keys, numbers and
 * whitespace: every submission the schema accepts fits, however it is encoded, and anything larger is refused before
 * it is parsed.
 */
export const TASK_SUBMISSION_BODY_BYTES = 6 * (MAX_MODEL_CHARS + MAX_INPUT_CHARS) + 1_024;

const limitOf = (req: Request, fallback = 50, max = 500) =>
  Math.min(max, Math.max(1, Number.parseInt(String(req.query.limit ?? fallback), 10) || fallback));

/**
 * Whether `given` is the admin token, in time independent of where they differ: both are hashed first, so the
 * comparison is of two 32-byte digests whatever the lengths or characters (a non-ASCII token is just a wrong one).
 */
function sameToken(given: string, expected: string | undefined): boolean {
  if (!expected) return false;
  const digest = (token: string) => createHash("sha256").update(token, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The route's `:address`, checksummed; answers 400 (and undefined) when it is not an address. */
export function addressParam(req: Request, res: Response): Address | undefined {
  const raw = String(req.params.address ?? "");
  if (!isAddress(raw, { strict: false })) {
    sendJson(res, { error: `"${raw}" is not an address` }, 400);
    return undefined;
  }
  return getAddress(raw);
}

/**
 * Final tasks, newest first: in-flight ones are never listed. The store lists one status at a time, so each final
 * status is asked for and the lists merged; the filter is applied here again whatever the store answers.
 */
async function finalTasks(
  store: Store,
  options: { limit: number; statuses: readonly FinalTaskStatus[]; node?: Address },
): Promise<FinalTask[]> {
  const lists = await Promise.all(
    options.statuses.map((status) =>
      store.listTasks({ limit: options.limit, status, ...(options.node ? { node: options.node } : {}) }),
    ),
  );
  const byId = new Map<string, FinalTask>();
  for (const task of lists.flat()) {
    if (isFinalTask(task) && options.statuses.includes(task.status)) byId.set(task.id, task);
  }
  return [...byId.values()].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1)).slice(0, options.limit);
}

/** Writes with backpressure; false when the client went away (the rest is not read from the store). */
async function writeChunk(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
  return !res.destroyed;
}

/** The dApp's read API, plus admin writes (task submission) behind the admin bearer token. */
export function apiRouter(deps: {
  store: Store;
  registry: NodeRegistry;
  scheduler: Scheduler;
  settler: EpochSettler;
  clock: Clock;
  chain: ChainClients | null;
  config: RelayerConfig;
}): Router {
  const { store, registry, scheduler, settler, clock, config } = deps;
  const router = express.Router();
  router.use(express.json({ limit: TASK_SUBMISSION_BODY_BYTES }));

  const requireAdmin = (req: Request, res: Response, next: NextFunction) => {
    const given = /^Bearer (.+)$/.exec(req.header("authorization") ?? "")?.[1];
    if (!given || !sameToken(given, config.api.adminToken)) {
      sendJson(res, { error: "admin token required (Authorization: Bearer <api.adminToken>)" }, 401);
      return;
    }
    next();
  };

  router.get(routerPath("/api/nodes"), async (req, res) => {
    const offset = req.query.offset === undefined ? 0 : Number(req.query.offset);
    if (!Number.isSafeInteger(offset) || offset < 0) {
      return sendJson(res, { error: "offset must be a whole number ≥ 0" }, 400);
    }
    const nodes = await store.listNodes({ limit: limitOf(req), offset });
    sendJson(res, {
      nodes: nodes.map((n) => nodeRow(n, registry.get(n.address) !== undefined)),
    } satisfies ReadApi["/api/nodes"]);
  });

  router.get(routerPath("/api/nodes/:address"), async (req, res) => {
    const address = addressParam(req, res);
    if (!address) return;
    const profile = await nodeProfile({ ...deps, claimedWei: claimedOnChain(deps.chain) }, address);
    if (!profile) return sendJson(res, { error: `no node ${address}` }, 404);
    sendJson(res, profile satisfies ReadApi["/api/nodes/:address"]);
  });

  // Final tasks only: nothing about a task in flight is visible to anyone but its assigned nodes (./PRIVACY.md).
  router.get(routerPath("/api/tasks"), async (req, res) => {
    const status = req.query.status === undefined ? undefined : String(req.query.status);
    if (status !== undefined && !isFinalTaskStatus(status)) {
      return sendJson(res, { error: `status must be one of ${FINAL_TASK_STATUSES.join(", ")}` }, 400);
    }
    const node =
      req.query.node && isAddress(String(req.query.node), { strict: false })
        ? getAddress(String(req.query.node))
        : undefined;
    const tasks = await finalTasks(store, {
      limit: limitOf(req),
      statuses: status ? [status] : FINAL_TASK_STATUSES,
      ...(node ? { node } : {}),
    });
    sendJson(res, { tasks: tasks.map(taskRow) } satisfies ReadApi["/api/tasks"]);
  });

  router.get(routerPath("/api/tasks/:id"), async (req, res) => {
    const task = await store.getTask(String(req.params.id));
    if (!task || !isFinalTask(task)) return sendJson(res, TASK_NOT_FOUND, 404);
    sendJson(res, taskDetail(task, await store.getAssignments(task.id)) satisfies ReadApi["/api/tasks/:id"]);
  });

  router.post(routerPath("/api/tasks"), requireAdmin, async (req, res) => {
    const parsed = taskSubmission.safeParse(req.body);
    if (!parsed.success) return sendJson(res, { error: parsed.error.issues.map((i) => i.message).join("; ") }, 400);
    try {
      await requireJudgeable(store, config.verification);
    } catch (error) {
      if (error instanceof TaskRefusedError) return sendJson(res, { error: error.message }, 400);
      throw error;
    }
    const task = await scheduler.submit(parsed.data);
    sendJson(res, { id: task.id, status: task.status } satisfies TaskSubmitted, 201);
  });

  router.get(routerPath("/api/stats"), async (_req, res) => {
    const stats = await store.stats(clock.now());
    let active = 0;
    for (const presence of registry.all()) if (presence.ready) active++;
    // Aggregate counts only, field by field.
    sendJson(res, {
      nodes: stats.nodes,
      bannedNodes: stats.bannedNodes,
      tasksCompleted: stats.tasksCompleted,
      tasksQueued: stats.tasksQueued,
      fraudBlocked: stats.fraudBlocked,
      nodesPerCountry: stats.nodesPerCountry,
      connectedNodes: registry.size,
      activeNodes: active,
    } satisfies ReadApi["/api/stats"]);
  });

  router.get(routerPath("/api/epochs"), async (req, res) => {
    const epochs = await store.listEpochs(limitOf(req, 20, 1000));
    sendJson(res, { epochs: epochs.map(epochRow) } satisfies ReadApi["/api/epochs"]);
  });

  router.get(routerPath("/api/epochs/:epoch"), async (req, res) => {
    const epoch = await store.getEpoch(Number(req.params.epoch));
    if (!epoch) return sendJson(res, { error: "no such epoch" }, 404);
    sendJson(res, epochRow(epoch) satisfies ReadApi["/api/epochs/:epoch"]);
  });

  // The epoch file (settlement/epoch-file.ts), streamed a page of leaves at a time: its bytes hash to the proposal's
  // contentHash, which the ETag carries. Old epochs are served too; their contentHash predates the file (legacy).
  router.get(EPOCH_FILE_ROUTE.slice(API_BASE.length), async (req, res) => {
    const number = Number(req.params.epoch);
    const record = Number.isSafeInteger(number) ? await store.getEpoch(number) : undefined;
    const header = record ? publishedHeader(record) : null;
    if (!record || !header) return sendJson(res, { error: "no published file for this epoch (not proposed)" }, 404);
    res
      .status(200)
      .type("application/x-ndjson")
      .set({ ETag: `"${record.contentHash}"`, "Cache-Control": "no-cache" });
    for await (const chunk of storedEpochFile(store, header)) {
      if (!(await writeChunk(res, chunk))) return;
    }
    res.end();
  });

  /**
   * An account's state in the epoch whose root the vault checks claims against now, and its Merkle proof: the
   * arguments of `RewardsVault.claim`.
   */
  router.get(routerPath("/api/claims/:address"), async (req, res) => {
    const address = addressParam(req, res);
    if (!address) return;
    const answer = await settler.claimProof(address);
    if ("error" in answer) return sendJson(res, { error: answer.error }, answer.status);
    sendJson(res, answer.claim satisfies ReadApi["/api/claims/:address"]);
  });

  return router;
}
