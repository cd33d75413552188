import { createRequire } from "node:module";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import { configVariable, defineConfig, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

// The compiler is the pinned npm `solc` (a wasm build), so compiling never downloads anything.
const solcPath = createRequire(import.meta.url).resolve("solc/soljson.js");

const deployTask = task("deploy", "Deploy GitBlock and write deployments/<network>.json")
  .addOption({
    name: "challengeWindow",
    description: "Seconds before a proposed epoch is final (0: at once)",
    type: ArgumentType.INT,
    defaultValue: 0,
  })
  .addOption({
    name: "unbondingDelay",
    description:
      "Seconds before a NodeBond unbond can be withdrawn (0: 2× the challenge window, ≥ 7 days off local chains)",
    type: ArgumentType.INT,
    defaultValue: 0,
  })
  .addOption({
    name: "withdrawalDelay",
    description:
      "Seconds before an InferenceCredits withdrawal request can be withdrawn (0: 1 hour locally, 1 day elsewhere)",
    type: ArgumentType.INT,
    defaultValue: 0,
  })
  .addOption({
    name: "maxEmission",
    description: "Cap per epoch in GBT (node increase + network share)",
    defaultValue: "1000000",
  })
  .addOption({
    name: "treasury",
    description: "Existing treasury/admin address (default: deploy a timelock)",
    defaultValue: "",
  })
  .addOption({
    name: "timelockDelay",
    description: "Delay of the deployed timelock, in seconds",
    type: ArgumentType.INT,
    defaultValue: 0,
  })
  .addOption({ name: "relayers", description: "Comma-separated relayer addresses", defaultValue: "" })
  .addOption({ name: "guardians", description: "Comma-separated guardian addresses", defaultValue: "" })
  .addOption({ name: "teamBeneficiary", description: "Team vesting beneficiary", defaultValue: "" })
  .addOption({
    name: "vestingYears",
    description: "Team vesting duration in years",
    type: ArgumentType.INT,
    defaultValue: 4,
  })
  .addOption({
    name: "cliffDays",
    description: "Team vesting cliff in days",
    type: ArgumentType.INT,
    defaultValue: 365,
  })
  .addOption({ name: "airdropFile", description: "JSON list of {account, amount (wei)}", defaultValue: "" })
  .addOption({
    name: "airdropDays",
    description: "Days until the airdrop claim deadline",
    type: ArgumentType.INT,
    defaultValue: 90,
  })
  .addOption({ name: "outDir", description: "Where deployment files go", defaultValue: "deployments" })
  .setAction(() => import("@gitblock/deploy/task"))
  .build();

export default defineConfig({
  plugins: [hardhatToolboxViem],
  tasks: [deployTask],
  solidity: {
    version: "0.8.30",
    path: solcPath,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "prague",
    },
  },
  paths: {
    tests: { nodejs: "test", solidity: "test/solidity" },
  },
  test: {
    solidity: {
      fuzz: { runs: 512 },
      invariant: { runs: 64, depth: 32, failOnRevert: false },
    },
  },
  networks: {
    // `hardhat node`; GITBLOCK_LOCAL_RPC_URL moves it off the default port (tests, a second local network).
    localhost: { type: "http", chainType: "l1", url: process.env.GITBLOCK_LOCAL_RPC_URL ?? "http://127.0.0.1:8545" },
    // Any EVM chain: RPC URL and deployer key from the environment or Hardhat's encrypted keystore
    // (`npx hardhat keystore set GITBLOCK_DEPLOYER_KEY`), never from the repo.
    remote: {
      type: "http",
      chainType: "l1",
      url: configVariable("GITBLOCK_RPC_URL"),
      accounts: [configVariable("GITBLOCK_DEPLOYER_KEY")],
    },
  },
});
