import { rewardsVaultAbi } from "@gitblock/sdk";
import type { Address, TransactionReceipt } from "viem";
import type { TestChain } from "./chain.ts";
import { HARDHAT_KEYS } from "./dev-keys.ts";
import { getJson, type Json } from "./http.ts";
import type { TestRelayer } from "./relayer.ts";
import { chainWallet } from "./vault-admin.ts";

/**
 * Claims `account`'s rewards the way the dApp does: the proof from `GET /api/claims/:address`, sent to
 * `RewardsVault.claim` by a third account (anyone may send it). Resolves with the API's answer and the receipt.
 */
export async function claimWithApiProof(
  t: TestRelayer,
  chain: TestChain,
  account: Address,
): Promise<{ claim: Json; receipt: TransactionReceipt }> {
  const claim = await getJson(`${t.url}/api/claims/${account}`);
  if (!claim.proof) throw new Error(`no claim proof for ${account}: ${JSON.stringify(claim)}`);
  const payer = chainWallet(chain, HARDHAT_KEYS.claimer);
  const state = {
    account: claim.state.account,
    cumulativeAmount: BigInt(claim.state.cumulativeAmount),
    reputationBps: claim.state.reputationBps,
    tasksValidated: BigInt(claim.state.tasksValidated),
    tasksFailed: BigInt(claim.state.tasksFailed),
    strikes: claim.state.strikes,
  };
  // Gas is estimated on the node, so a claim the vault would refuse throws here with the vault's reason.
  const hash = await payer.writeContract({
    address: chain.vault,
    abi: rewardsVaultAbi,
    functionName: "claim",
    args: [state, claim.proof],
  });
  return { claim, receipt: await chain.publicClient.waitForTransactionReceipt({ hash }) };
}
