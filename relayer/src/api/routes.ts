import { timingSafeEqual } from "node:crypto";
import { type ReadApi, routerPath, type TaskStatus, type TaskSubmitted } from "@gitblock/sdk";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { type Address, getAddress, isAddress } from "viem";
import * as z from "zod/v4";
import type { Clock } from "../clock.ts";
import type { RelayerConfig } from "../config/schema.ts";
import type { NodeRegistry } from "../presence/registry.ts";
import type { Scheduler } from "../scheduler/scheduler.ts";
import type { ChainClients } from "../settlement/chain.ts";
import type { EpochSettler } from "../settlement/settler.ts";
import type { Store } from "../store/types.ts";
import { sendJson } from "./json.ts";
import { nodeProfile } from "./profile.ts";

export const taskSubmission = z.strictObject({
  model: z.string().min(1).max(128),
  input: z.string().max(8_192),
  maxTokens: z.number().int().min(1).max(8_192),
  seed: z.number().int().nonnegative().default(0),
  redundancy: z.number().int().min(1).max(16).optional(),
});

const limitOf = (req: Request, fallback = 50, max = 500) =>
  Math.min(max, Math.max(1, Number.parseInt(String(req.query.limit ?? fallback), 10) || fallback));

function addressParam(req: Request, res: Response): Address | undefined {
  const raw = String(req.params.address ?? "");
  if (!isAddress(raw, { strict: false })) {
    sendJson(res, { error: `"${raw}" is not an address` }, 400);
    return undefined;
  }
  return getAddress(raw);
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
  router.use(express.json({ limit: 64 * 1024 }));

  const requireAdmin = (req: Request, res: Response, next: NextFunction) => {
    const expected = config.api.adminToken;
    const given = (req.header("authorization") ?? "").replace(/^Bearer /, "");
    if (!expected || given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      sendJson(res, { error: "admin token required (Authorization: Bearer <api.adminToken>)" }, 401);
      return;
    }
    next();
  };

  router.get(routerPath("/api/nodes"), async (req, res) => {
    const nodes = await store.listNodes({ limit: limitOf(req), offset: Number(req.query.offset ?? 0) || 0 });
    sendJson(res, {
      nodes: nodes.map((n) => ({ ...n, connected: registry.get(n.address) !== undefined })),
    } satisfies ReadApi["/api/nodes"]);
  });

  router.get(routerPath("/api/nodes/:address"), async (req, res) => {
    const address = addressParam(req, res);
    if (!address) return;
    const profile = await nodeProfile({ ...deps, ratePerTokenWei: config.rewards.ratePerTokenWei }, address);
    if (!profile) return sendJson(res, { error: `no node ${address}` }, 404);
    sendJson(res, profile satisfies ReadApi["/api/nodes/:address"]);
  });

  router.get(routerPath("/api/tasks"), async (req, res) => {
    const status = req.query.status ? (String(req.query.status) as TaskStatus) : undefined;
    const node =
      req.query.node && isAddress(String(req.query.node), { strict: false })
        ? getAddress(String(req.query.node))
        : undefined;
    const tasks = await store.listTasks({
      limit: limitOf(req),
      ...(status ? { status } : {}),
      ...(node ? { node } : {}),
    });
    // The feed never reveals which tasks were challenges, or inputs of tasks still being verified.
    sendJson(res, {
      tasks: tasks.map((t) => ({
        id: t.id,
        model: t.model,
        status: t.status,
        createdAt: t.createdAt,
        judgedAt: t.judgedAt,
        tokensGenerated: t.tokensGenerated,
        outputHash: t.outputHash,
        epoch: t.epoch,
      })),
    } satisfies ReadApi["/api/tasks"]);
  });

  router.get(routerPath("/api/tasks/:id"), async (req, res) => {
    const task = await store.getTask(String(req.params.id));
    if (!task) return sendJson(res, { error: "no such task" }, 404);
    const { kind: _kind, expectedHash: _expected, challengeId: _challenge, ...visible } = task;
    sendJson(res, {
      ...visible,
      assignments: task.judgedAt ? await store.getAssignments(task.id) : [],
    } satisfies ReadApi["/api/tasks/:id"]);
  });

  router.post(routerPath("/api/tasks"), requireAdmin, async (req, res) => {
    const parsed = taskSubmission.safeParse(req.body);
    if (!parsed.success) return sendJson(res, { error: parsed.error.issues.map((i) => i.message).join("; ") }, 400);
    const { redundancy, ...spec } = parsed.data;
    const task = await scheduler.submit(spec, redundancy);
    sendJson(res, { id: task.id, status: task.status } satisfies TaskSubmitted, 201);
  });

  router.get(routerPath("/api/stats"), async (_req, res) => {
    const stats = await store.stats(clock.now());
    let active = 0;
    for (const presence of registry.all()) if (presence.ready) active++;
    sendJson(res, { ...stats, connectedNodes: registry.size, activeNodes: active } satisfies ReadApi["/api/stats"]);
  });

  router.get(routerPath("/api/epochs"), async (req, res) => {
    const epochs = await store.listEpochs(limitOf(req, 20, 1000));
    sendJson(res, { epochs: epochs.map(({ rawTx: _raw, ...e }) => e) } satisfies ReadApi["/api/epochs"]);
  });

  router.get(routerPath("/api/epochs/:epoch"), async (req, res) => {
    const epoch = await store.getEpoch(Number(req.params.epoch));
    if (!epoch) return sendJson(res, { error: "no such epoch" }, 404);
    const { rawTx: _raw, ...visible } = epoch;
    sendJson(res, visible satisfies ReadApi["/api/epochs/:epoch"]);
  });

  /** Newest final cumulative state of an account and its Merkle proof: the arguments of `RewardsVault.claim`. */
  router.get(routerPath("/api/claims/:address"), async (req, res) => {
    const address = addressParam(req, res);
    if (!address) return;
    const claim = await settler.claimProof(address);
    if (!claim) return sendJson(res, { error: `no final epoch holds ${address} yet` }, 404);
    sendJson(res, claim satisfies ReadApi["/api/claims/:address"]);
  });

  return router;
}
