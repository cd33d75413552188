/**
 * The widget's postMessage API to the host page: the host learns only what it needs, the node's status and what this
 * session earned, never the wallet, tasks or anything about the visitor. Messages go to the embedding origin only
 * (the one the origin check accepted), never to `*`.
 *
 * Every message is an object `{source: "gitblock-widget", v: 1, placement, type, ...}`:
 * - `{type: "status", status}`: "consent-needed" | "ready" (consent given, not running) | "starting" | "running" |
 *   "paused" | "error" | "refused" (wrong origin or unverified domain: the node never starts).
 * - `{type: "earnings", earnedWei, tasksDone}`: this session's node reward so far, in wei as a decimal string (JSON
 *   has no bigint), and the tasks done.
 * widget.js re-dispatches both on the host page as a `gitblock:widget` CustomEvent (detail = the message).
 */
import type { NodeStatus } from "../node-runtime/protocol.ts";

export const WIDGET_MESSAGE_SOURCE = "gitblock-widget";
export const WIDGET_MESSAGE_VERSION = 1;

export type WidgetStatus = "consent-needed" | "ready" | "starting" | "running" | "paused" | "error" | "refused";

export type WidgetMessage = { source: typeof WIDGET_MESSAGE_SOURCE; v: 1; placement: string } & (
  | { type: "status"; status: WidgetStatus }
  | { type: "earnings"; earnedWei: string; tasksDone: number }
);

/** The widget status a browser-node status shows as (before consent it is always "consent-needed"). */
export function widgetStatus(consented: boolean, node: NodeStatus): WidgetStatus {
  if (!consented) return "consent-needed";
  switch (node) {
    case "loading":
    case "signing-in":
      return "starting";
    case "running":
      return "running";
    case "paused-limit":
      return "paused";
    case "error":
      return "error";
    default:
      return "ready";
  }
}

export function statusMessage(placement: string, status: WidgetStatus): WidgetMessage {
  return { source: WIDGET_MESSAGE_SOURCE, v: WIDGET_MESSAGE_VERSION, placement, type: "status", status };
}

export function earningsMessage(placement: string, earnedWei: bigint, tasksDone: number): WidgetMessage {
  return {
    source: WIDGET_MESSAGE_SOURCE,
    v: WIDGET_MESSAGE_VERSION,
    placement,
    type: "earnings",
    earnedWei: earnedWei.toString(),
    tasksDone,
  };
}

/** Whether `data` (a received message) is one of the widget's (for hosts, and widget.js, to filter on). */
export function isWidgetMessage(data: unknown): data is WidgetMessage {
  if (typeof data !== "object" || data === null) return false;
  const m = data as Record<string, unknown>;
  if (m.source !== WIDGET_MESSAGE_SOURCE || m.v !== WIDGET_MESSAGE_VERSION || typeof m.placement !== "string") {
    return false;
  }
  if (m.type === "status") return typeof m.status === "string";
  if (m.type === "earnings") return typeof m.earnedWei === "string" && typeof m.tasksDone === "number";
  return false;
}

/** Sends to the host page, to the checked origin only; outside a frame (opened directly) there is no host. */
export function postToHost(host: Pick<Window, "postMessage"> | null, origin: string, message: WidgetMessage): boolean {
  if (!host || !origin) return false;
  host.postMessage(message, origin);
  return true;
}
