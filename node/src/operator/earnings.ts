import type { EpochRow, EpochStatus, RelayerApi } from "@gitblock/sdk";
import type { Address, Hex } from "viem";
import { verifyEpochFile } from "./epoch-file.ts";

/** What one epoch paid an account: the growth of its cumulative amount over the epoch before. */
export interface EpochEarning {
  epoch: number;
  status: EpochStatus;
  /** Final on the vault: what it carries can be claimed. */
  final: boolean;
  root: Hex;
  contentHash: Hex;
  /** The account's cumulative amount in this epoch's leaf (what a claim proves). */
  cumulativeWei: bigint;
  /** cumulativeWei minus the previous listed epoch's (all of it in the account's first epoch). */
  earnedWei: bigint;
}

/** Most epochs the relayer lists in one answer (`GET /api/epochs?limit=`). */
const MAX_EPOCHS = 1000;

/**
 * An account's earnings per epoch, read from the relayer's published epoch files, each one checked against the
 * epoch's contentHash and root first (./epoch-file.ts): anyone can reproduce the figures from those files alone.
 * Epochs without a file (not proposed yet) and vetoed ones (they pay nothing; the relayer proposes the epoch again
 * under its number) are left out. Epochs before the account's first leaf are left out too; so the earnings add up
 * to the last cumulative amount. `last` keeps only the newest n epochs (the one before them is read for the
 * baseline).
 */
export async function epochEarnings(
  api: RelayerApi,
  account: Address,
  options: { last?: number; onEpoch?: (epoch: number, done: number, total: number) => void } = {},
): Promise<EpochEarning[]> {
  const published = (await api.epochs(MAX_EPOCHS))
    .filter(
      (e): e is EpochRow & { root: Hex; contentHash: Hex } =>
        e.root !== null && e.contentHash !== null && e.status !== "vetoed",
    )
    .sort((a, b) => a.epoch - b.epoch);
  const start = options.last === undefined ? 0 : Math.max(0, published.length - options.last - 1);
  const read = published.slice(start);
  const rows: EpochEarning[] = [];
  let previous = 0n;
  for (const [index, epoch] of read.entries()) {
    options.onEpoch?.(epoch.epoch, index, read.length);
    const bytes = await api.epochFile(epoch.epoch);
    if (!bytes) throw new Error(`the relayer lists epoch ${epoch.epoch} as proposed but serves no file for it`);
    const leaf = verifyEpochFile(bytes, epoch).leaves.get(account);
    if (!leaf) continue;
    const row: EpochEarning = {
      epoch: epoch.epoch,
      status: epoch.status,
      final: epoch.status === "final",
      root: epoch.root,
      contentHash: epoch.contentHash,
      cumulativeWei: leaf.cumulativeAmount,
      earnedWei: leaf.cumulativeAmount - previous,
    };
    previous = leaf.cumulativeAmount;
    // The epoch before the newest `last` only sets the baseline.
    if (options.last === undefined || index >= read.length - options.last) rows.push(row);
  }
  return rows;
}
