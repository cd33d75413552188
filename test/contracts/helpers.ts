// Shared scenario steps for the contract tests: proposing and settling epochs, reading timestamps, impersonation,
// signing permits.
import { gbtPermitTypedData, permitSignatureParts } from "@gitblock/sdk";
import { type Address, type Hex, keccak256, stringToHex, zeroHash } from "viem";
import type { deployFixture } from "./fixture.ts";
import type { NodeStateTree } from "./tree.ts";

export type Fixture = Awaited<ReturnType<typeof deployFixture>>;

export const GBT = 10n ** 18n;
export const DEFAULT_ADMIN_ROLE = zeroHash;
export const RELAYER_ROLE = keccak256(stringToHex("RELAYER_ROLE"));
export const GUARDIAN_ROLE = keccak256(stringToHex("GUARDIAN_ROLE"));

/** The vault's `EpochStatus` numbers. */
export const EPOCH_STATUS = { none: 0, pending: 1, final: 2, vetoed: 3, disputed: 4, rolledBack: 5 } as const;

/** A recognisable content hash per label (stands for the hash of the relayer's epoch file). */
export function contentHash(label: string): Hex {
  return keccak256(stringToHex(label));
}

export async function latestTimestamp(f: Fixture): Promise<bigint> {
  return BigInt(await f.networkHelpers.time.latest());
}

export interface ProposeOptions {
  /** Declared cumulative total; defaults to the sum of the tree's leaves. */
  cumulativeTotal?: bigint;
  networkShare?: bigint;
  contentHash?: Hex;
}

/** The relayer proposes `epoch` with `tree`'s root. */
export async function propose(f: Fixture, epoch: bigint, tree: NodeStateTree, options: ProposeOptions = {}) {
  return f.vault.write.proposeEpoch(
    [
      epoch,
      tree.root,
      options.cumulativeTotal ?? tree.cumulativeTotal,
      options.networkShare ?? 0n,
      options.contentHash ?? contentHash(`epoch-${epoch}`),
    ],
    { account: f.wallets.relayer.account },
  );
}

/** `wallet` (default: a stranger running a watcher) disputes `epoch`, posting the vault's dispute bond. */
export async function dispute(f: Fixture, epoch: bigint, wallet: Fixture["wallets"]["alice"] = f.wallets.stranger) {
  const bond = await f.vault.read.disputeBond();
  return f.vault.write.dispute([epoch], { account: wallet.account, value: bond });
}

/** Lets the pending epoch's challenge window run out. */
export async function passChallengeWindow(f: Fixture) {
  const pending = await f.vault.read.pendingEpoch();
  if (pending === 0n) throw new Error("no pending epoch");
  const { finalAt } = await f.vault.read.getEpoch([pending]);
  await f.networkHelpers.time.increaseTo(finalAt);
}

/** Proposes `epoch`, waits out its challenge window and finalizes it. */
export async function settle(f: Fixture, epoch: bigint, tree: NodeStateTree, options: ProposeOptions = {}) {
  await propose(f, epoch, tree, options);
  if ((await f.vault.read.pendingEpoch()) === 0n) return; // zero challenge window: already final
  await passChallengeWindow(f);
  await f.vault.write.finalizeEpoch({ account: f.wallets.stranger.account });
}

/** A wallet client sending as `address` (impersonated and funded for gas). */
export async function impersonate(f: Fixture, address: Address) {
  await f.networkHelpers.impersonateAccount(address);
  await f.networkHelpers.setBalance(address, 10n ** 20n);
  return f.viem.getWalletClient(address);
}

/** `signer`'s ERC-2612 permit for GBT, split into the (v, r, s) that `permit` takes. */
export async function signPermit(
  f: Fixture,
  signer: Fixture["wallets"]["alice"],
  message: { owner: Address; spender: Address; value: bigint; nonce: bigint; deadline: bigint },
) {
  const chainId = await f.publicClient.getChainId();
  const signature = await signer.signTypedData({
    account: signer.account,
    ...gbtPermitTypedData({ chainId, token: f.token.address, ...message }),
  });
  return permitSignatureParts(signature);
}
