// @gitblock/deploy: the protocol's deployment (plain viem clients) and Hardhat's public development accounts.
export * from "./development-accounts.ts";
export * from "./protocol.ts";
