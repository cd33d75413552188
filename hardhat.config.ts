import { createRequire } from "node:module";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import { configVariable, defineConfig, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

// The compiler is the pinned npm `solc` (a wasm build), so compiling never downloads anything.
const solcPath = createRequire(import.meta.url).resolve("solc/soljson.js");

// `hardhat test --coverage` compiles instrumented contracts, which takes the vault past EIP-170's 24 KB and
// GitBlockGenesis past EIP-3860's 48 KiB of initcode. Hardhat lifts both limits for its in-process networks then, not
// for the `hardhat node` processes that tests start; those inherit this variable, and with it the same lift
// (`networks.default`). The instrumented build goes to coverage/artifacts (and its cache to coverage/cache), never
// artifacts/: the suites that run beside coverage (scripts/test-lanes.ts) deploy from artifacts/ meanwhile, and the
// deploy code's artifact reader follows the same variable (scripts/deploy/artifact-resolver.ts).
if (process.argv.includes("--coverage")) process.env.GITBLOCK_INSTRUMENTED_ARTIFACTS = "1";
const instrumented = process.env.GITBLOCK_INSTRUMENTED_ARTIFACTS === "1";

const deployTask = task("deploy", "Deploy GitBlock and write deployments/<network>.json")
  .addOption({
    name: "challengeWindow",
    description: "Seconds before a proposed epoch is final (0: at once; at least 86400 off the local chain)",
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
    name: "disputeBond",
    description: "ETH a non-guardian posts to dispute an epoch (default 0.1)",
    defaultValue: "",
  })
  .addOption({
    name: "treasury",
    description: "Existing treasury/admin address, a multisig or timelock (default: deploy a timelock)",
    defaultValue: "",
  })
  .addOption({
    name: "timelockDelay",
    description: "Delay of the deployed timelock, in seconds (at least 2 days off the local chain)",
    type: ArgumentType.INT,
    defaultValue: 172_800,
  })
  .addOption({
    name: "proposers",
    description: "Comma-separated proposers and cancellers of the deployed timelock: a multisig, never the deployer",
    defaultValue: "",
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
  .addOption({
    name: "journalDir",
    description:
      "Ignition's deployment folder; a rerun resumes it (default: ignition/deployments/<network> off the local chain)",
    defaultValue: "",
  })
  .setAction(() => import("@gitblock/deploy/task"))
  .build();

const verifyDeploymentTask = task(
  "verify-deployment",
  "Verify every contract of deployments/<network>.json on the enabled block explorers",
)
  .addOption({ name: "journalDir", description: "Ignition's deployment folder", defaultValue: "" })
  .addOption({ name: "bookDir", description: "Where the address book is", defaultValue: "deployments" })
  .addFlag({ name: "force", description: "Verify again contracts already verified" })
  .setAction(() => import("@gitblock/deploy/verify"))
  .build();

export default defineConfig({
  plugins: [hardhatToolboxViem],
  tasks: [deployTask, verifyDeploymentTask],
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
    ...(instrumented ? { artifacts: "coverage/artifacts", cache: "coverage/cache" } : {}),
  },
  test: {
    // `default` (npm test, CI): a pinned seed, so a run's outcome depends on the code alone; a counterexample that only
    // some seeds reach would otherwise fail one CI run in many. `deep` (`npx hardhat test solidity --test-profile
    // deep`): a fresh random seed and 40× the runs, to look for what the pinned seed misses.
    solidity: {
      profiles: {
        default: {
          fuzz: { runs: 512, seed: "0x6974626c6f636b" },
          invariant: { runs: 64, depth: 32, failOnRevert: false },
        },
        deep: {
          fuzz: { runs: 20_000 },
          invariant: { runs: 1_000, depth: 64, failOnRevert: false },
        },
      },
    },
  },
  // `npm run verify -- --network <name>`: Etherscan's key from the environment or the keystore, asked for only then.
  verify: { etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") } },
  networks: {
    // Hardhat's in-process network and `hardhat node`: the real-chain size limits, except over instrumented artifacts.
    default: {
      type: "edr-simulated",
      allowUnlimitedContractSize: instrumented,
    },
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
