import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics, on a registry of their own so several relayers can live in one process (tests). */
export function createMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "gitblock-relayer" });
  return {
    registry,
    connectedNodes: new Gauge({
      name: "gitblock_connected_nodes",
      help: "Nodes with an open channel",
      registers: [registry],
    }),
    sockets: new Gauge({ name: "gitblock_node_sockets", help: "Open node WebSockets", registers: [registry] }),
    framesRejected: new Counter({
      name: "gitblock_frames_rejected_total",
      help: "Frames refused (malformed, oversized, rate limited, unauthenticated)",
      labelNames: ["code"],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: "gitblock_auth_failures_total",
      help: "Refused sign-ins by reason",
      labelNames: ["reason"],
      registers: [registry],
    }),
    tasksDispatched: new Counter({
      name: "gitblock_tasks_dispatched_total",
      help: "Tasks sent to nodes",
      registers: [registry],
    }),
    resultsStored: new Counter({
      name: "gitblock_results_stored_total",
      help: "Results durably stored and acknowledged",
      registers: [registry],
    }),
    verdicts: new Counter({
      name: "gitblock_verdicts_total",
      help: "Per-node verdicts by outcome",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    ackLatency: new Histogram({
      name: "gitblock_result_ack_seconds",
      help: "From a result's arrival to its acknowledgement (includes the durable write)",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    epochsProposed: new Counter({
      name: "gitblock_epochs_proposed_total",
      help: "Epoch proposals sent on-chain",
      registers: [registry],
    }),
    latestEpoch: new Gauge({
      name: "gitblock_latest_closed_epoch",
      help: "Newest closed epoch",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
