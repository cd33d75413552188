import { nodeBondAbi } from "@gitblock/sdk";
import {
  type Account,
  type Address,
  BaseError,
  type Chain,
  getAddress,
  type Hash,
  type Hex,
  HttpRequestError,
  type PublicClient,
  parseEventLogs,
  SocketClosedError,
  TimeoutError,
  type Transport,
  type WalletClient,
  WebSocketRequestError,
} from "viem";
import { type Clock, systemClock } from "../clock.ts";
import { ChainUnavailableError, NodeBondCallError } from "../errors.ts";
import { revertReason } from "../settlement/revert-reason.ts";

export interface BondBookOptions {
  publicClient: PublicClient;
  /** The NodeBond contract. */
  nodeBond: Address;
  /** Signs as the relayer (RELAYER_ROLE on NodeBond) for `proposeSlash`; without it the book only reads. */
  walletClient?: WalletClient<Transport, Chain, Account> | null;
  /** How long a bond read from the chain is served without reading it again. */
  cacheTtlMs: number;
  /** Confirmations to wait for before a slash transaction counts as done. */
  confirmations?: number;
  clock?: Clock;
}

/** A node's active bond as last read from NodeBond, and when (clock ms). */
export interface KnownBond {
  amount: bigint;
  readAt: number;
}

export interface ProposedSlash {
  id: bigint;
  /** Chain time (unix seconds) from which anyone may execute it, unless a guardian vetoes it first. */
  executableAt: bigint;
  txHash: Hash;
}

export interface ExecutedSlash {
  id: bigint;
  node: Address;
  /** GBT taken (active bond first, then pending unbond), sent to the slash recipient. */
  slashed: bigint;
  txHash: Hash;
}

interface Entry extends KnownBond {
  freshUntil: number;
}

const TRANSPORT_ERRORS = [HttpRequestError, TimeoutError, WebSocketRequestError, SocketClosedError];

function unreachable(error: unknown): boolean {
  return error instanceof BaseError && error.walk((e) => TRANSPORT_ERRORS.some((kind) => e instanceof kind)) !== null;
}

/**
 * The relayer's view of NodeBond: nodes' active bonds (their verifying weight), read through a short cache, and the
 * relayer's slash proposals. When the chain is unreachable every call fails with `ChainUnavailableError` and the
 * bonds last read stay available (`lastKnown`, `knownBondOf`), so verification goes on with the last weights.
 */
export class BondBook {
  private readonly publicClient: PublicClient;
  private readonly walletClient: WalletClient<Transport, Chain, Account> | null;
  private readonly nodeBond: Address;
  private readonly cacheTtlMs: number;
  private readonly confirmations: number;
  private readonly clock: Clock;
  private readonly known = new Map<Address, Entry>();
  /** One read per node in flight: concurrent callers share it. */
  private readonly reading = new Map<Address, Promise<bigint>>();

  constructor(options: BondBookOptions) {
    this.publicClient = options.publicClient;
    this.walletClient = options.walletClient ?? null;
    this.nodeBond = getAddress(options.nodeBond);
    this.cacheTtlMs = options.cacheTtlMs;
    this.confirmations = options.confirmations ?? 1;
    this.clock = options.clock ?? systemClock;
  }

  /** `node`'s active bond: from the cache while fresh, otherwise read from the chain. */
  bondOf(node: Address): Promise<bigint> {
    const key = getAddress(node);
    const entry = this.known.get(key);
    if (entry && this.clock.now() < entry.freshUntil) return Promise.resolve(entry.amount);
    return this.read(key);
  }

  /**
   * Reads the bonds of `nodes` from the chain now, whatever the cache holds. Bonds that were read are stored even when
   * others fail; then the first failure is thrown.
   */
  async refresh(nodes: readonly Address[]): Promise<Map<Address, bigint>> {
    const keys = [...new Set(nodes.map((node) => getAddress(node)))];
    const results = await Promise.allSettled(keys.map((key) => this.read(key)));
    const bonds = new Map<Address, bigint>();
    let failure: unknown;
    results.forEach((result, i) => {
      const key = keys[i] as Address;
      if (result.status === "fulfilled") bonds.set(key, result.value);
      else failure ??= result.reason;
    });
    if (failure !== undefined) throw failure;
    return bonds;
  }

  /** The bond last read for `node`, however old, or undefined if it was never read. */
  lastKnown(node: Address): KnownBond | undefined {
    const entry = this.known.get(getAddress(node));
    return entry && { amount: entry.amount, readAt: entry.readAt };
  }

  /** Synchronous: the bond last read for `node`, 0 if never read (what weighing verifiers needs; see `TaskJudge`). */
  readonly knownBondOf = (node: Address): bigint => this.known.get(getAddress(node))?.amount ?? 0n;

  /**
   * Proposes to slash up to `amount` from `node` (the relayer's key). Dry-run first: a slash NodeBond would refuse
   * fails with `NodeBondCallError` and sends nothing.
   * @param reason Identifies the evidence (e.g. the hash of the dispute tier's decision).
   */
  async proposeSlash(node: Address, amount: bigint, reason: Hex): Promise<ProposedSlash> {
    const what = `proposeSlash(${node}, ${amount})`;
    const wallet = this.relayerWallet(what);
    const call = {
      address: this.nodeBond,
      abi: nodeBondAbi,
      functionName: "proposeSlash",
      args: [getAddress(node), amount, reason],
      account: wallet.account,
      chain: wallet.chain,
    } as const;
    const receipt = await this.send(
      what,
      () => this.publicClient.simulateContract(call),
      () => wallet.writeContract(call),
    );
    const [event] = parseEventLogs({ abi: nodeBondAbi, eventName: "SlashProposed", logs: receipt.logs });
    if (!event)
      throw new NodeBondCallError(`${what}: no SlashProposed event in ${receipt.transactionHash}`, "no event");
    return { id: event.args.id, executableAt: event.args.executableAt, txHash: receipt.transactionHash };
  }

  /** Executes slash `id` once its challenge window is over (anyone may; the relayer does, as it finalizes epochs). */
  async executeSlash(id: bigint): Promise<ExecutedSlash> {
    const what = `executeSlash(${id})`;
    const wallet = this.relayerWallet(what);
    const call = {
      address: this.nodeBond,
      abi: nodeBondAbi,
      functionName: "executeSlash",
      args: [id],
      account: wallet.account,
      chain: wallet.chain,
    } as const;
    const receipt = await this.send(
      what,
      () => this.publicClient.simulateContract(call),
      () => wallet.writeContract(call),
    );
    const [event] = parseEventLogs({ abi: nodeBondAbi, eventName: "SlashExecuted", logs: receipt.logs });
    if (!event)
      throw new NodeBondCallError(`${what}: no SlashExecuted event in ${receipt.transactionHash}`, "no event");
    const node = getAddress(event.args.node);
    const entry = this.known.get(node);
    if (entry) entry.freshUntil = 0; // the bond changed: the next bondOf reads it, the last value stays meanwhile
    return { id, node, slashed: event.args.fromActive + event.args.fromPending, txHash: receipt.transactionHash };
  }

  private read(node: Address): Promise<bigint> {
    const inFlight = this.reading.get(node);
    if (inFlight) return inFlight;
    const reading = this.call(`bondOf(${node})`, () =>
      this.publicClient.readContract({
        address: this.nodeBond,
        abi: nodeBondAbi,
        functionName: "bondOf",
        args: [node],
      }),
    )
      .then((amount) => {
        const readAt = this.clock.now();
        this.known.set(node, { amount, readAt, freshUntil: readAt + this.cacheTtlMs });
        return amount;
      })
      .finally(() => this.reading.delete(node));
    this.reading.set(node, reading);
    return reading;
  }

  private relayerWallet(what: string): WalletClient<Transport, Chain, Account> {
    if (!this.walletClient) throw new NodeBondCallError(`${what}: this BondBook has no relayer key`, "no key");
    return this.walletClient;
  }

  /** Dry run first (a revert costs nothing and says why), then send and wait for the receipt. */
  private async send(what: string, simulate: () => Promise<unknown>, write: () => Promise<Hash>) {
    await this.call(what, simulate);
    const hash = await this.call(what, write);
    const receipt = await this.call(what, () =>
      this.publicClient.waitForTransactionReceipt({ hash, confirmations: this.confirmations }),
    );
    if (receipt.status !== "success") throw new NodeBondCallError(`${what} reverted on-chain (tx ${hash})`, "reverted");
    return receipt;
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (unreachable(error)) {
        const detail = error instanceof BaseError ? error.shortMessage : String(error);
        throw new ChainUnavailableError(`${what}: NodeBond's chain is unreachable (${detail})`, { cause: error });
      }
      const reason = revertReason(error);
      throw new NodeBondCallError(`${what} failed: ${reason}`, reason, { cause: error });
    }
  }
}
