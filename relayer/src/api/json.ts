import type { Response } from "express";
import { toJson } from "../../../sdk/src/api/index.ts";

/** Sends `value` as the API's JSON (bigints as decimal strings, see the sdk's `toJson`). */
export function sendJson(res: Response, value: unknown, status = 200): void {
  res.status(status).type("application/json").send(toJson(value));
}
