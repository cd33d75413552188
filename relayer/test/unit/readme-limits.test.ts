// The README's operator section lists every limit with its default (issue 17): each key of the blocks that bound what
// a client may hold or spend has a row in the "Limits" table, and the row's default is the schema's.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "@gitblock/testkit";
import { configSchema } from "../../src/config/schema.ts";

/** Whole blocks of limits, and the limits that live in other blocks. */
const LIMIT_BLOCKS = ["admission", "gateway", "dashboard"] as const;
const OTHER_LIMITS = [
  "verification.queueTimeoutMs",
  "verification.taskTimeoutMs",
  "verification.verifyTimeoutMs",
  "verification.giveUpAfterMs",
  "inference.freeRequestsPerDay",
  "inference.freeTokensPerDay",
  "inference.anonymousRequestsPerDay",
  "inference.anonymousTokensPerDay",
  "inference.maxTokens",
  "inference.firstTokenTimeoutMs",
  "inference.requestTimeoutMs",
  "inference.maxAttempts",
  "inference.maxBufferedBytes",
  "inference.maxConcurrentRequests",
];

function readmeLimits(): Map<string, string> {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf("#### Limits");
  assert.ok(start >= 0, 'the README has a "Limits" section');
  const section = readme.slice(start, readme.indexOf("\n### ", start));
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\| `([\w.]+)` *\| ([^|]+) \|/gm)) {
    rows.set(match[1] as string, (match[2] as string).trim());
  }
  return rows;
}

describe("the README's limits table", () => {
  const defaults = configSchema.parse({}) as unknown as Record<string, Record<string, unknown>>;
  const expected = new Map<string, unknown>();
  for (const block of LIMIT_BLOCKS) {
    for (const [key, value] of Object.entries(defaults[block] ?? {})) expected.set(`${block}.${key}`, value);
  }
  for (const dotted of OTHER_LIMITS) {
    const [block, key] = dotted.split(".") as [string, string];
    expected.set(dotted, defaults[block]?.[key]);
  }

  it("has a row for every limit, with the schema's default", () => {
    const rows = readmeLimits();
    for (const [key, value] of expected) {
      assert.ok(rows.has(key), `README lists ${key}`);
      assert.equal(rows.get(key)?.replaceAll(",", ""), String(value), `${key}'s default`);
    }
  });

  it("names no limit the config does not have", () => {
    for (const key of readmeLimits().keys()) assert.ok(expected.has(key), `${key} is a config key`);
  });
});
