// @gitblock/relayer: the service, for embedding (the simulator, npm start, tests through @gitblock/testkit).
export * from "./clock.ts";
export * from "./config/load.ts";
export * from "./config/schema.ts";
export { SINGLE_HOST_FLEET_ADMISSION } from "./gateway/admission.ts";
export * from "./relayer.ts";
export * from "./settlement/chain.ts";
export { SETTLEMENT_CHANNEL, type SettlementStep } from "./settlement/settler.ts";
export * from "./store/index.ts";
