import { EventEmitter } from "node:events";
import type { Address } from "viem";

/** In-process events the dashboard channel, metrics and logs listen to. */
export interface RelayerEventMap {
  verdict: [
    {
      taskId: string;
      node: Address;
      outcome: string;
      rewardWei: bigint;
      reputationBps: number;
      strikes: number;
      bannedUntil: number | null;
    },
  ];
  task: [{ taskId: string; status: string; model: string }];
  balance: [{ node: Address }];
  epoch: [{ epoch: number; status: string }];
}

export class RelayerEvents extends EventEmitter<RelayerEventMap> {
  constructor() {
    super();
    // One listener per dashboard socket.
    this.setMaxListeners(0);
  }
}
