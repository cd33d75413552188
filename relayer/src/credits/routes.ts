import { type ReadApi, routerPath } from "@gitblock/sdk";
import express, { type Router } from "express";
import { sendJson } from "../api/json.ts";
import { addressParam } from "../api/routes.ts";
import { CreditsUnavailableError } from "../errors.ts";
import type { CreditBook } from "./credit-book.ts";

/** `GET /api/credits/:address`: an account's credit for premium `/v1` models (mounted under `API_BASE`). */
export function creditsRouter(deps: { credits: CreditBook }): Router {
  const router = express.Router();
  router.get(routerPath("/api/credits/:address"), async (req, res) => {
    const address = addressParam(req, res);
    if (!address) return;
    try {
      sendJson(res, (await deps.credits.balance(address)) satisfies ReadApi["/api/credits/:address"]);
    } catch (error) {
      if (!(error instanceof CreditsUnavailableError)) throw error;
      sendJson(res, { error: "InferenceCredits cannot be read right now; try again shortly" }, 503);
    }
  });
  return router;
}
