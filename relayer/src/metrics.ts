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
    servedRequests: new Counter({
      name: "gitblock_served_requests_total",
      help: "User requests through /v1 by outcome (stop, length, cancelled, failed)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    servedTokens: new Counter({
      name: "gitblock_served_tokens_total",
      help: "Tokens streamed to users through /v1",
      registers: [registry],
    }),
    servedFailovers: new Counter({
      name: "gitblock_served_failovers_total",
      help: "Served requests moved to another node mid-answer",
      registers: [registry],
    }),
    servingRequests: new Gauge({
      name: "gitblock_serving_requests",
      help: "User requests being served now",
      registers: [registry],
    }),
    gatewayRefusals: new Counter({
      name: "gitblock_gateway_refusals_total",
      help: "User requests refused before serving, by OpenAI error code",
      labelNames: ["code"],
      registers: [registry],
    }),
    timeToFirstToken: new Histogram({
      name: "gitblock_time_to_first_token_seconds",
      help: "From a user request's arrival to its first token",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
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
    httpConnections: new Gauge({
      name: "gitblock_http_connections",
      help: "Open TCP connections to the server (API, HTTP polling and WebSockets)",
      registers: [registry],
    }),
    unauthenticatedSockets: new Gauge({
      name: "gitblock_unauthenticated_node_sockets",
      help: "Open node WebSockets not yet signed in",
      registers: [registry],
    }),
    admissionRefusals: new Counter({
      name: "gitblock_admission_refusals_total",
      help: "Connections, sockets, sign-ins and channels refused by the admission limit they hit",
      labelNames: ["reason"],
      registers: [registry],
    }),
    sendBufferOverflows: new Counter({
      name: "gitblock_send_buffer_overflows_total",
      help: "Node channels closed because the node left more than admission.maxSendBufferBytes unread",
      labelNames: ["channel"],
      registers: [registry],
    }),
    tasksDispatched: new Counter({
      name: "gitblock_tasks_dispatched_total",
      help: "Tasks sent to nodes",
      registers: [registry],
    }),
    queuedTasks: new Gauge({
      name: "gitblock_queued_tasks",
      help: "Queued tasks per model lane, counted when /metrics is scraped",
      labelNames: ["model"],
      registers: [registry],
    }),
    tasksExpired: new Counter({
      name: "gitblock_tasks_expired_total",
      help: "Queued tasks no ready node could take within verification.queueTimeoutMs",
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
    stuckEpoch: new Gauge({
      name: "gitblock_settlement_stuck_epoch",
      help: "Epoch whose proposal the vault refuses (its dry run reverts); later epochs wait behind it. 0: none",
      registers: [registry],
    }),
    proposalRefusals: new Counter({
      name: "gitblock_settlement_proposal_refusals_total",
      help: "Epoch proposals the vault refused in their dry run, by the vault's error name",
      labelNames: ["reason"],
      registers: [registry],
    }),
    creditSettlements: new Counter({
      name: "gitblock_credit_settlements_total",
      help: "InferenceCredits settlements by outcome: settled, refused (dry run), reverted",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    creditWriteOffs: new Counter({
      name: "gitblock_credit_write_offs_total",
      help: "Accounts whose debits above their funded credit were written off at settlement (withdrawn first)",
      registers: [registry],
    }),
    dashboardSubscribers: new Gauge({
      name: "gitblock_dashboard_subscribers",
      help: "Open dashboard channel subscriptions",
      registers: [registry],
    }),
    dashboardRefused: new Counter({
      name: "gitblock_dashboard_refused_total",
      help: "Dashboard subscriptions refused (429) by the cap they hit",
      labelNames: ["limit"],
      registers: [registry],
    }),
    dashboardDropped: new Counter({
      name: "gitblock_dashboard_dropped_total",
      help: "Dashboard subscribers dropped for not reading their pushes",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
