import type { DeployTaskArguments } from "@gitblock/deploy/task";

/** The deploy task's arguments for tests: a real-chain-like challenge window and cap, everything else defaulted. */
export const TEST_DEPLOY_ARGUMENTS: DeployTaskArguments = {
  challengeWindow: 3600,
  maxEmission: "250000",
  treasury: "",
  timelockDelay: 0,
  relayers: "",
  guardians: "",
  teamBeneficiary: "",
  vestingYears: 4,
  cliffDays: 365,
  airdropFile: "",
  airdropDays: 90,
  outDir: "",
};
