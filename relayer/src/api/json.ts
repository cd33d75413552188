import { toJson } from "@gitblock/sdk";
import type { Response } from "express";

/** Sends `value` as the API's JSON (bigints as decimal strings, see the sdk's `toJson`). */
export function sendJson(res: Response, value: unknown, status = 200): void {
  res.status(status).type("application/json").send(toJson(value));
}
