// The protocol as Hardhat Ignition modules: the same futures on every network, whether `deployProtocol` runs them
// (tests, `npm start`, `npm run deploy`) or Ignition's own CLI does (ignition/modules/ re-exports these). Why the
// vault, the airdrop and the token come from one GitBlockGenesis transaction: ignition/README.md.
import {
  buildModule,
  type ContractFuture,
  type IgnitionModuleBuilder,
  type ModuleParameterRuntimeValue,
} from "@nomicfoundation/ignition-core";
import { zeroAddress } from "viem";

/** Everything of the protocol but its treasury, against `treasury` (a deployed timelock or a given address). */
function protocolContracts(
  m: IgnitionModuleBuilder,
  treasury: ContractFuture<string> | ModuleParameterRuntimeValue<string>,
) {
  const relayers = m.getParameter<string[]>("relayers");
  const guardians = m.getParameter<string[]>("guardians");
  const challengeWindow = m.getParameter<bigint>("challengeWindow");

  const teamVesting = m.contract("TeamVesting", [
    m.getParameter<string>("teamBeneficiary"),
    m.getParameter<bigint>("teamStart"),
    m.getParameter<bigint>("teamDuration"),
    m.getParameter<bigint>("teamCliff"),
  ]);
  const genesis = m.contract("GitBlockGenesis", [
    treasury,
    teamVesting,
    {
      relayers,
      guardians,
      challengeWindow,
      maxEmissionPerEpoch: m.getParameter<bigint>("maxEmissionPerEpoch"),
      disputeBond: m.getParameter<bigint>("disputeBond"),
    },
    { merkleRoot: m.getParameter<string>("airdropRoot"), deadline: m.getParameter<bigint>("airdropDeadline") },
  ]);
  const token = m.contractAt("GitBlockToken", m.readEventArgument(genesis, "Genesis", "token"));
  const rewardsVault = m.contractAt("RewardsVault", m.readEventArgument(genesis, "Genesis", "rewardsVault"));
  const airdrop = m.contractAt("GitBlockAirdrop", m.readEventArgument(genesis, "Genesis", "airdrop"));

  // Slashes go to the treasury, which also administers NodeBond.
  const nodeBond = m.contract("NodeBond", [
    token,
    treasury,
    relayers,
    guardians,
    treasury,
    challengeWindow,
    m.getParameter<bigint>("unbondingDelay"),
  ]);
  // Spent credit goes 75% to the vault (the node rewards pool is its balance) and 25% to the treasury, which also
  // administers it.
  const inferenceCredits = m.contract("InferenceCredits", [
    token,
    rewardsVault,
    treasury,
    relayers,
    guardians,
    treasury,
    m.getParameter<bigint>("withdrawalDelay"),
  ]);
  return { teamVesting, genesis, token, rewardsVault, airdrop, nodeBond, inferenceCredits };
}

/** The protocol with a new GitBlockTreasury timelock: `timelockProposers` propose and cancel, anyone executes once
 * `timelockDelay` has passed, and no account (the deployer least of all) administers the timelock but itself. */
export const gitBlockModule = buildModule("GitBlock", (m) => {
  const treasury = m.contract("GitBlockTreasury", [
    m.getParameter<bigint>("timelockDelay"),
    m.getParameter<string[]>("timelockProposers"),
    [zeroAddress],
  ]);
  return { treasury, ...protocolContracts(m, treasury) };
});

/** The protocol around an existing treasury (`treasury`: a multisig or a timelock deployed elsewhere). */
export const gitBlockExistingTreasuryModule = buildModule("GitBlockExistingTreasury", (m) =>
  protocolContracts(m, m.getParameter<string>("treasury")),
);
