import type { NodeState } from "@gitblock/sdk";
import type { LeafRecord } from "../store/types.ts";

/** A stored leaf as the vault hashes it (`NodeStateLib.leaf`). */
export const leafState = (leaf: LeafRecord): NodeState => ({
  account: leaf.account,
  cumulativeAmount: leaf.cumulativeAmount,
  reputationBps: leaf.reputationBps,
  tasksValidated: leaf.tasksValidated,
  tasksFailed: leaf.tasksFailed,
  strikes: leaf.strikes,
});
