import { gitBlockTokenAbi, type RelayerApi, rewardsVaultAbi } from "@gitblock/sdk";
import { type Address, getAddress, type Hex, type LocalAccount } from "viem";
import type { ConnectedChain } from "./chain-target.ts";

/** What a claim found: nothing to pay (no transaction sent), or the paid claim. */
export type ClaimOutcome =
  | {
      kind: "nothing";
      account: Address;
      /** Why, in words. */
      reason: string;
      epoch: number | null;
      cumulativeWei: bigint | null;
      claimedWei: bigint;
      balanceWei: bigint;
    }
  | {
      kind: "claimed";
      account: Address;
      sender: Address;
      txHash: Hex;
      blockNumber: bigint;
      epoch: number;
      cumulativeWei: bigint;
      /** Claimed before this transaction; the claim pays cumulativeWei minus this. */
      claimedBeforeWei: bigint;
      /** The account's GBT balance after the claim, and what it grew by. */
      balanceWei: bigint;
      receivedWei: bigint;
    };

/**
 * Claims `account`'s final rewards with the relayer's proof (`GET /api/claims/:address`), sent from `sender`'s key
 * (anyone may claim for anyone; the tokens go to the account). Checks first, so that no transaction is sent for
 * nothing: the proof is for the vault's current final root (else the relayer settles elsewhere or lags behind),
 * and its cumulative amount is above what the vault has paid the account already. `onSent` hears the hash before
 * the receipt is awaited.
 */
export async function claimRewards(options: {
  api: RelayerApi;
  chain: ConnectedChain;
  sender: LocalAccount;
  account: Address;
  onSent?: (txHash: Hex) => void;
}): Promise<ClaimOutcome> {
  const { api, chain, sender, onSent } = options;
  const account = getAddress(options.account);
  const vault = chain.target.vault;
  const client = chain.publicClient;
  const readVault = { address: vault, abi: rewardsVaultAbi } as const;
  const token = await client.readContract({ ...readVault, functionName: "token" });
  const balanceOf = () =>
    client.readContract({ address: token, abi: gitBlockTokenAbi, functionName: "balanceOf", args: [account] });
  const [proof, claimedBefore, balanceBefore] = await Promise.all([
    api.claim(account),
    client.readContract({ ...readVault, functionName: "claimed", args: [account] }),
    balanceOf(),
  ]);
  const nothing = (reason: string) =>
    ({
      kind: "nothing",
      account,
      reason,
      epoch: proof?.epoch ?? null,
      cumulativeWei: proof?.state.cumulativeAmount ?? null,
      claimedWei: claimedBefore,
      balanceWei: balanceBefore,
    }) as const;
  if (!proof) return nothing("no final epoch holds this account yet");
  if (getAddress(proof.state.account) !== account) {
    throw new Error(`the relayer answered a proof for ${proof.state.account}, not ${account}`);
  }
  const [finalRoot, finalEpoch] = await Promise.all([
    client.readContract({ ...readVault, functionName: "finalRoot" }),
    client.readContract({ ...readVault, functionName: "latestFinalEpoch" }),
  ]);
  if (finalRoot.toLowerCase() !== proof.root.toLowerCase()) {
    throw new Error(
      `the relayer's proof is for root ${proof.root} (epoch ${proof.epoch}), but the vault ${vault} on chain ${chain.chainId} has final root ${finalRoot} (epoch ${finalEpoch}): the relayer settles on another vault or chain (check --deployment / --vault / --rpc), or it has not caught up yet (try again in a minute)`,
    );
  }
  const claimable = proof.state.cumulativeAmount - claimedBefore;
  if (claimable <= 0n) return nothing(`everything final is claimed already (epoch ${proof.epoch})`);

  // Simulated first: a claim the vault would refuse stops here with the vault's error, and costs no gas.
  const { request } = await client.simulateContract({
    account: sender,
    address: vault,
    abi: rewardsVaultAbi,
    functionName: "claim",
    args: [proof.state, proof.proof],
  });
  const txHash = await chain.wallet(sender).writeContract(request);
  onSent?.(txHash);
  const receipt = await client.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success") throw new Error(`the claim transaction ${txHash} reverted`);
  const balance = await balanceOf();
  return {
    kind: "claimed",
    account,
    sender: sender.address,
    txHash,
    blockNumber: receipt.blockNumber,
    epoch: proof.epoch,
    cumulativeWei: proof.state.cumulativeAmount,
    claimedBeforeWei: claimedBefore,
    balanceWei: balance,
    receivedWei: balance - balanceBefore,
  };
}
