import { MAX_PUBLISHER_SHARE_BPS } from "@gitblock/sdk";
import * as z from "zod/v4";

const label = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "expected 1–64 letters, digits, dots, underscores or hyphens");

/**
 * A placement as a publisher submits it. The bounds: the publisher takes at most 30% of the node's share (the
 * network's 25% is never touched); a visitor gives at most a day of GPU time a day and at most 64 CPU threads; the
 * path prefix is a URL path (the widget runs on pages under it), without query or fragment.
 */
export const placementInput = z.strictObject({
  pageId: label,
  placementId: label,
  domain: z.string().min(1).max(253),
  pathPrefix: z
    .string()
    .max(256)
    .regex(/^\/[^\s?#]*$/, "pathPrefix must start with / and hold no spaces, ? or #"),
  limits: z.strictObject({
    gpuSecondsPerVisitorPerDay: z.number().int().min(0).max(86_400),
    cpuThreads: z.number().int().min(1).max(64),
    stopWhenHidden: z.boolean(),
  }),
  publisherShareBps: z
    .number()
    .int()
    .min(0)
    .max(MAX_PUBLISHER_SHARE_BPS, `publisherShareBps is at most ${MAX_PUBLISHER_SHARE_BPS} (30% of the node's share)`),
});
