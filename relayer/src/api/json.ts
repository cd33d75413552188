import type { Response } from "express";

/** JSON with bigints as decimal strings (wei amounts exceed Number's precision). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
}

export function sendJson(res: Response, value: unknown, status = 200): void {
  res.status(status).type("application/json").send(toJson(value));
}
