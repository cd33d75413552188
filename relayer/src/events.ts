import { EventEmitter } from "node:events";
import type { DashboardEpoch, DashboardVerdict } from "@gitblock/sdk";
import type { Address } from "viem";

/** In-process events the dashboard channel, metrics and logs listen to. */
export interface RelayerEventMap {
  /** What the dashboard channel pushes as `verdict` and `epoch` messages (less their `type`). */
  verdict: [Omit<DashboardVerdict, "type">];
  task: [{ taskId: string; status: string; model: string }];
  balance: [{ node: Address }];
  epoch: [Omit<DashboardEpoch, "type">];
}

export class RelayerEvents extends EventEmitter<RelayerEventMap> {
  constructor() {
    super();
    // One listener per dashboard socket.
    this.setMaxListeners(0);
  }
}
