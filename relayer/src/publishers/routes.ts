import { API_BASE, PUBLISHER_ROUTES } from "@gitblock/sdk";
import express, { type Request, type Response, type Router } from "express";
import type { Address } from "viem";
import { sendJson } from "../api/json.ts";
import type { AuthService } from "../auth/sign-in.ts";
import { AuthError, NotFoundError } from "../errors.ts";
import type { NodeRegistry } from "../presence/registry.ts";
import { PublisherInputError } from "./domain-name.ts";
import { type PublisherBook, PublisherConflictError } from "./publisher-book.ts";

const path = (route: string) => route.slice(API_BASE.length);

/**
 * The publisher API (sdk `PUBLISHER_ROUTES`), mounted under `API_BASE`. A publisher signs in like a node (the same
 * sign-in and session tokens) and sends `Authorization: Bearer <session>`; `GET /api/placements/:id` is public.
 * Bad input answers 400, a domain or placement someone already holds 409, each with an `error` that says why.
 */
export function publishersRouter(deps: { book: PublisherBook; auth: AuthService; registry: NodeRegistry }): Router {
  const { book, auth, registry } = deps;
  const router = express.Router();
  router.use(express.json({ limit: 16_384 }));

  const signedIn = async (req: Request, res: Response): Promise<Address | undefined> => {
    const token = /^Bearer (.+)$/.exec(req.header("authorization") ?? "")?.[1];
    if (!token) {
      sendJson(res, { error: "missing `Authorization: Bearer <session>`: sign in with your wallet first" }, 401);
      return undefined;
    }
    try {
      return (await auth.resume(token)).account;
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      sendJson(res, { error: error.message }, 401);
      return undefined;
    }
  };

  /** Runs a signed-in handler, answering the publisher errors with their status. */
  const handle =
    (work: (publisher: Address, req: Request, res: Response) => Promise<void>) =>
    async (req: Request, res: Response) => {
      const publisher = await signedIn(req, res);
      if (!publisher) return;
      try {
        await work(publisher, req, res);
      } catch (error) {
        if (error instanceof PublisherInputError) return sendJson(res, { error: error.message }, 400);
        if (error instanceof PublisherConflictError) return sendJson(res, { error: error.message }, 409);
        if (error instanceof NotFoundError) return sendJson(res, { error: error.message }, 404);
        throw error;
      }
    };

  router.post(
    path(PUBLISHER_ROUTES.domains),
    handle(async (publisher, req, res) => {
      const { domain, created } = await book.claimDomain(publisher, req.body?.domain);
      sendJson(res, domain, created ? 201 : 200);
    }),
  );
  router.post(
    path(PUBLISHER_ROUTES.verify),
    handle(async (publisher, req, res) => sendJson(res, await book.verify(publisher, req.params.domain))),
  );
  router.get(
    path(PUBLISHER_ROUTES.me),
    handle(async (publisher, _req, res) => sendJson(res, await book.me(publisher))),
  );
  router.get(
    path(PUBLISHER_ROUTES.earnings),
    handle(async (publisher, _req, res) =>
      sendJson(res, await book.earnings(publisher, (node) => registry.get(node) !== undefined)),
    ),
  );
  router.post(
    path(PUBLISHER_ROUTES.placements),
    handle(async (publisher, req, res) => sendJson(res, await book.createPlacement(publisher, req.body), 201)),
  );
  router.get(path(PUBLISHER_ROUTES.placement), async (req, res) => {
    const placement = await book.placement(String(req.params.id));
    if (!placement) return sendJson(res, { error: `no placement ${req.params.id}` }, 404);
    // Public and read by an iframe on any site: cacheable for a short while, not longer (a revocation must show).
    res.setHeader("Cache-Control", "public, max-age=30");
    sendJson(res, placement);
  });
  return router;
}
