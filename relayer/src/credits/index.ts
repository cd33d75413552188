// The credit book: premium `/v1` messages debited off-chain against InferenceCredits and settled on-chain per epoch.
export * from "./credit-book.ts";
export type { CreditSettlementRound, SettledCredits } from "./credit-settlement.ts";
export { creditsRouter } from "./routes.ts";
