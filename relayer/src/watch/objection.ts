import { rewardsVaultAbi } from "@gitblock/sdk";
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import type { Logger } from "../log.ts";
import { VAULT_EPOCH_STATUS } from "../settlement/chain.ts";
import { revertReason } from "../settlement/revert-reason.ts";
import type { VaultEpoch } from "./vault-epochs.ts";

/** What the watcher sent about a failing proposal. */
export interface Objection {
  /** veto: `vetoEpoch()`; dispute: `dispute(epoch)` with the bond; none: nothing could be sent (see `reason`). */
  action: "veto" | "dispute" | "none";
  tx: Hex | null;
  /** Whether the transaction succeeded. */
  ok: boolean;
  reason: string | null;
}

/** Objects to failing proposals with the watcher's key, as its role on the vault allows. */
export interface Objector {
  role: "guardian" | "disputer";
  account: Address;
  object(epoch: VaultEpoch): Promise<Objection>;
}

/**
 * The watcher's way to stop a bad proposal, from the role its key holds on the vault (read once, at start): a
 * guardian vetoes at once; any other key disputes. Null without a key (the watcher then only reports).
 */
export async function objectorFor(options: {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account> | null;
  vault: Address;
  log: Logger;
}): Promise<Objector | null> {
  const { publicClient, walletClient, vault, log } = options;
  if (!walletClient) return null;
  const account = walletClient.account.address;
  const guardianRole = await publicClient.readContract({
    address: vault,
    abi: rewardsVaultAbi,
    functionName: "GUARDIAN_ROLE",
  });
  const guardian = await publicClient.readContract({
    address: vault,
    abi: rewardsVaultAbi,
    functionName: "hasRole",
    args: [guardianRole, account],
  });

  const send = async (action: Objection["action"], write: () => Promise<Hex>): Promise<Objection> => {
    try {
      const tx = await write();
      const receipt = await publicClient.waitForTransactionReceipt({ hash: tx });
      const ok = receipt.status === "success";
      return { action, tx, ok, reason: ok ? null : "reverted" };
    } catch (error) {
      const reason = revertReason(error);
      log.error({ event: "objection-failed", action, reason }, `${action} failed`);
      return { action, tx: null, ok: false, reason };
    }
  };

  if (guardian) {
    return {
      role: "guardian",
      account,
      object: (epoch) =>
        send("veto", async () => {
          // Also for a disputed epoch: the vault's veto then upholds the dispute (bond back, reward paid). Dry run
          // first: a refusal (the window closed meanwhile) comes back as the vault's error, not a reverted transaction.
          const { request } = await publicClient.simulateContract({
            address: vault,
            abi: rewardsVaultAbi,
            functionName: "vetoEpoch",
            account: walletClient.account,
          });
          log.warn({ event: "vetoing", epoch: epoch.epoch }, `vetoing epoch ${epoch.epoch}`);
          return walletClient.writeContract(request);
        }),
    };
  }
  return {
    role: "disputer",
    account,
    object: async (epoch) => {
      if (epoch.status === VAULT_EPOCH_STATUS.Disputed) {
        return { action: "none", tx: null, ok: false, reason: "already disputed: a guardian resolves it" };
      }
      return send("dispute", async () => {
        // The bond as the vault asks for it now (the admin may have changed it since the watcher started).
        const bond = await publicClient.readContract({
          address: vault,
          abi: rewardsVaultAbi,
          functionName: "disputeBond",
        });
        const { request } = await publicClient.simulateContract({
          address: vault,
          abi: rewardsVaultAbi,
          functionName: "dispute",
          args: [BigInt(epoch.epoch)],
          value: bond,
          account: walletClient.account,
        });
        log.warn(
          { event: "disputing", epoch: epoch.epoch, bondWei: bond.toString() },
          `disputing epoch ${epoch.epoch}`,
        );
        return walletClient.writeContract(request);
      });
    },
  };
}
