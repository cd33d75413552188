/** Verification shared by nodes, the relayer and the simulator: the agreement rule. */
export * from "./agreement.ts";
