/** The node's status and counts in words, the same on every surface (top bar, dashboard, Mining). */
import { formatCount } from "../lib/format.ts";
import type { NodeStatus } from "./protocol.ts";

export const SIMULATION_LABEL = "SIMULATION · no model runs";

export function statusText(status: NodeStatus): string {
  switch (status) {
    case "stopped":
      return "stopped";
    case "loading":
      return "loading the model";
    case "signing-in":
      return "signing in";
    case "running":
      return "running";
    case "paused-limit":
      return "paused: daily limit reached";
    case "error":
      return "error";
  }
}

/** True while a session is on its way or running (what a stop control stops). */
export function isActive(status: NodeStatus): boolean {
  return status === "loading" || status === "signing-in" || status === "running";
}

/** "1 task", "12 tasks". */
export function taskCount(n: number): string {
  return `${formatCount(n)} ${n === 1 ? "task" : "tasks"}`;
}
