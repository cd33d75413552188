import { rewardsVaultAbi } from "@gitblock/sdk";
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import type { Logger } from "../log.ts";
import { VAULT_EPOCH_STATUS } from "../settlement/chain.ts";
import { type Objection, type Objector, objectorFor } from "./objection.ts";
import { type CheckResult, checkProposal, type OpenEpochFile } from "./proposal-check.ts";
import { previousFinalEpoch, readVaultEpoch, type VaultEpoch } from "./vault-epochs.ts";

/** One proposal as the watcher judged it: what `onReport` gets and what it logs (`event: "epoch-checked"`). */
export interface WatchReport extends CheckResult {
  epoch: number;
  root: Hex;
  contentHash: Hex;
  /** Where the epoch stood on-chain when it was judged: `Pending`, `Disputed`, `Final`, … */
  status: string;
  /** What the watcher did about a mismatch (null: nothing to do, or nothing it could do; see `reason`). */
  objection: Objection | null;
}

export interface WatcherOptions {
  publicClient: PublicClient;
  /** Signs vetoes or disputes; null watches only (mismatches are logged and reported, nothing is sent). */
  walletClient: WalletClient<Transport, Chain, Account> | null;
  vault: Address;
  /** Where each epoch's file is fetched (`httpEpochFiles(relayerUrl)`). */
  files: OpenEpochFile;
  log: Logger;
  /**
   * Seconds after a proposal within which its file must be available (capped at half the proposal's window, so
   * there is always time left to act): past it, a file still missing is treated as a mismatch.
   */
  graceSeconds: number;
  /** How often the chain is polled for new blocks, proposals and due retries. */
  pollIntervalMs: number;
  onReport?: (report: WatchReport) => void;
}

const STATUS_NAMES = Object.fromEntries(Object.entries(VAULT_EPOCH_STATUS).map(([name, value]) => [value, name]));
const statusName = (status: number): string => STATUS_NAMES[status] ?? `status ${status}`;

/** A proposal is one (epoch, root, contentHash, finalAt): a vetoed epoch proposed again is a new proposal. */
const proposalKey = (e: VaultEpoch) => `${e.epoch}:${e.root}:${e.contentHash}:${e.finalAt}`;

/**
 * The watcher anyone can run (`gitblock-relayer watch`; ./README.md has the decisions). It follows the vault's
 * `EpochProposed` events, and at start the epoch pending then (the latest final epoch is its baseline); for each
 * proposal it fetches the epoch file and the previous final epoch's file and runs `checkProposal`. On a mismatch
 * while the epoch can still be stopped, it objects (`objection.ts`: a guardian vetoes, anyone else disputes
 * with the bond). A file it cannot fetch is retried on every poll until the grace period is over.
 */
export class Watcher {
  private readonly options: WatcherOptions;
  private readonly judged = new Set<string>();
  /** Proposals whose files could not be fetched yet, by epoch. */
  private readonly retry = new Map<number, VaultEpoch>();
  private nextBlock: bigint | null = null;
  private objector: Objector | null | undefined;
  private stopped = false;
  private wake: (() => void) | null = null;
  private mismatches = 0;
  private uncheckedCount = 0;

  constructor(options: WatcherOptions) {
    this.options = options;
  }

  /** Mismatches found so far (the CLI's exit code with `--once`). */
  get mismatchCount(): number {
    return this.mismatches;
  }

  /** Proposals not checked (yet): waiting for their file, or final before it could be had. */
  get unchecked(): number {
    return this.retry.size + this.uncheckedCount;
  }

  /** Polls until `stop()`; a failed poll (RPC down) is logged and tried again on the next one. */
  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.poll();
      } catch (error) {
        this.options.log.warn({ event: "poll-failed", reason: shortReason(error) }, "poll failed; trying again");
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /**
   * One round: new `EpochProposed` events since the last round (at the first, the epoch pending now), then the
   * proposals whose files were missing. Each proposal is judged once, or again while its file is missing.
   */
  async poll(): Promise<void> {
    const { publicClient, vault } = this.options;
    if (this.objector === undefined) this.objector = await objectorFor(this.options);
    const head = await publicClient.getBlockNumber();
    const epochs: number[] = [];
    if (this.nextBlock === null) {
      const latestFinal = await publicClient.readContract({
        address: vault,
        abi: rewardsVaultAbi,
        functionName: "latestFinalEpoch",
        blockNumber: head,
      });
      this.options.log.info(
        {
          event: "watching",
          vault,
          latestFinalEpoch: Number(latestFinal),
          block: Number(head),
          acts: this.objector?.role ?? "none",
        },
        "watching epoch proposals",
      );
      epochs.push(Number(latestFinal) + 1);
    } else if (head >= this.nextBlock) {
      const logs = await publicClient.getContractEvents({
        address: vault,
        abi: rewardsVaultAbi,
        eventName: "EpochProposed",
        fromBlock: this.nextBlock,
        toBlock: head,
      });
      for (const log of logs) if (log.args.epoch !== undefined) epochs.push(Number(log.args.epoch));
    }
    this.nextBlock = head + 1n;
    for (const epoch of [...new Set([...this.retry.keys(), ...epochs])].sort((a, b) => a - b)) {
      await this.judge(epoch);
    }
  }

  private async judge(epoch: number): Promise<void> {
    const { publicClient, vault, files, log } = this.options;
    const proposal = await readVaultEpoch(publicClient, vault, epoch);
    const stoppable = proposal.status === VAULT_EPOCH_STATUS.Pending || proposal.status === VAULT_EPOCH_STATUS.Disputed;
    if (!stoppable && proposal.status !== VAULT_EPOCH_STATUS.Final) {
      // Nothing proposed (the catch-up's next epoch), or vetoed already: nothing to check.
      this.retry.delete(epoch);
      return;
    }
    const key = proposalKey(proposal);
    if (this.judged.has(key)) return;
    const previous = await previousFinalEpoch(publicClient, vault, epoch);
    const result = await checkProposal(proposal, previous, files);

    let verdict = result;
    if (result.verdict === "unavailable" && stoppable) {
      if (!(await this.graceOver(proposal))) {
        if (!this.retry.has(epoch)) {
          log.warn({ event: "file-unavailable", epoch, reason: result.unavailable }, "epoch file not available yet");
        }
        this.retry.set(epoch, proposal);
        return;
      }
      // A proposal nobody can check must not become final.
      verdict = {
        ...result,
        verdict: "mismatch",
        findings: [{ check: "published", detail: `no file within the grace period: ${result.unavailable}` }],
      };
    }
    // A final epoch whose file cannot be had is reported unchecked: nothing can be done about it any more.
    if (verdict.verdict === "unavailable") this.uncheckedCount++;
    this.retry.delete(epoch);
    this.judged.add(key);

    let objection: Objection | null = null;
    if (verdict.verdict === "mismatch") {
      this.mismatches++;
      objection = stoppable && this.objector ? await this.objector.object(proposal) : null;
    }
    const report: WatchReport = {
      ...verdict,
      epoch,
      root: proposal.root,
      contentHash: proposal.contentHash,
      status: statusName(proposal.status),
      objection,
    };
    const line = { event: "epoch-checked", ...report };
    if (verdict.verdict === "pass") log.info(line, `epoch ${epoch}: every check passed`);
    else if (verdict.verdict === "unavailable") log.warn(line, `epoch ${epoch} is final and its file cannot be had`);
    else if (!stoppable)
      log.error(line, `epoch ${epoch} is final and fails its checks: a guardian must pause and roll it back`);
    else log.error(line, `epoch ${epoch} fails its checks`);
    this.options.onReport?.(report);
  }

  /** Whether the proposal's file had its time: `graceSeconds` after the proposal, at most half its window. */
  private async graceOver(proposal: VaultEpoch): Promise<boolean> {
    const { publicClient, vault, graceSeconds } = this.options;
    const [block, window] = await Promise.all([
      publicClient.getBlock(),
      publicClient.readContract({ address: vault, abi: rewardsVaultAbi, functionName: "challengeWindow" }),
    ]);
    // The proposal's time: its finalAt less the window (the window in force now; an admin change shifts it).
    const proposedAt = proposal.finalAt - window;
    const grace = BigInt(Math.min(graceSeconds, Math.floor(Number(window) / 2)));
    return block.timestamp >= proposedAt + grace;
  }
}

export function shortReason(error: unknown): string {
  return error instanceof Error ? (error.message.split("\n")[0] ?? error.name) : String(error);
}
