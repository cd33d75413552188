import { inferenceCreditsAbi } from "@gitblock/sdk";
import type { Address, PublicClient } from "viem";
import type { Clock } from "../clock.ts";
import { CreditsUnavailableError } from "../errors.ts";
import { revertReason } from "../settlement/revert-reason.ts";
import type { OnChainAccount } from "./spendable.ts";

/** Runs one call to InferenceCredits; any failure is `CreditsUnavailableError`, with the chain's short reason. */
export async function creditsCall<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new CreditsUnavailableError(`${what}: InferenceCredits did not answer (${revertReason(error)})`, {
      cause: error,
    });
  }
}

interface Entry {
  account: OnChainAccount;
  freshUntil: number;
}

/** Entries kept before expired ones are swept (one per account that asked within the TTL). */
const SWEEP_AT = 10_000;

/**
 * InferenceCredits' view of accounts, read through a short cache: a request's debit does not wait for the chain
 * each time. One read per account in flight; concurrent callers share it.
 */
export class OnChainCredits {
  readonly address: Address;
  private readonly publicClient: PublicClient;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly known = new Map<Address, Entry>();
  private readonly reading = new Map<Address, Promise<OnChainAccount>>();

  constructor(options: { publicClient: PublicClient; address: Address; clock: Clock; ttlMs: number }) {
    this.publicClient = options.publicClient;
    this.address = options.address;
    this.clock = options.clock;
    this.ttlMs = options.ttlMs;
  }

  /** The account as the contract has it: from the cache while fresh (`cached`), otherwise read now. */
  async account(
    account: Address,
    options: { fresh?: boolean } = {},
  ): Promise<{ account: OnChainAccount; cached: boolean }> {
    const entry = this.known.get(account);
    if (!options.fresh && entry && this.clock.now() < entry.freshUntil) return { account: entry.account, cached: true };
    return { account: await this.read(account), cached: false };
  }

  /** Accounts read now, bypassing the cache (settlement must cap against the latest `funded`). */
  accounts(accounts: readonly Address[]): Promise<OnChainAccount[]> {
    return Promise.all(accounts.map((account) => this.read(account)));
  }

  /** Drops what is cached for `accounts` (a settlement changed their `spent`): the next read goes to the chain. */
  forget(accounts: readonly Address[]): void {
    for (const account of accounts) this.known.delete(account);
  }

  lastSettledEpoch(): Promise<bigint> {
    return creditsCall("lastSettledEpoch()", () =>
      this.publicClient.readContract({
        address: this.address,
        abi: inferenceCreditsAbi,
        functionName: "lastSettledEpoch",
      }),
    );
  }

  private read(account: Address): Promise<OnChainAccount> {
    const inFlight = this.reading.get(account);
    if (inFlight) return inFlight;
    const reading = creditsCall(`getAccount(${account})`, () =>
      this.publicClient.readContract({
        address: this.address,
        abi: inferenceCreditsAbi,
        functionName: "getAccount",
        args: [account],
      }),
    )
      .then(({ funded, spent, pendingWithdrawal, unlockAt }) => {
        const value: OnChainAccount = { funded, spent, pendingWithdrawal, unlockAt: BigInt(unlockAt) };
        this.remember(account, value);
        return value;
      })
      .finally(() => this.reading.delete(account));
    this.reading.set(account, reading);
    return reading;
  }

  private remember(account: Address, value: OnChainAccount): void {
    const now = this.clock.now();
    if (this.known.size >= SWEEP_AT) {
      for (const [key, entry] of this.known) if (entry.freshUntil <= now) this.known.delete(key);
    }
    this.known.set(account, { account: value, freshUntil: now + this.ttlMs });
  }
}
