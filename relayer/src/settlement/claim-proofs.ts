import type { ClaimProof } from "@gitblock/sdk";
import { rewardsVaultAbi } from "@gitblock/sdk";
import type { Address, Hex } from "viem";
import type { EpochRecord, Store } from "../store/types.ts";
import type { ChainClients } from "./chain.ts";
import { leafState } from "./leaf-state.ts";
import { EpochTree } from "./merkle.ts";
import { revertReason } from "./revert-reason.ts";

/** An epoch with its tree built. */
type Rooted = EpochRecord & { root: Hex };

/** A claim proof, or why there is none: 404 nothing to claim (yet), 503 the relayer cannot tell the right proof. */
export type ClaimAnswer = { claim: ClaimProof } | NoClaim;
type NoClaim = { status: 404 | 503; error: string };

/**
 * Proofs for `RewardsVault.claim`, always against the root the vault checks claims with now. The store may not
 * have recorded the newest finality yet (the relayer learns it a moment after the chain), so with a chain the
 * vault says which epoch is final and the store's tree of that epoch is used, whatever status the store gives it.
 * Without a chain, the store's newest final epoch is all there is.
 */
export class ClaimProofs {
  private readonly store: Store;
  private readonly chain: ChainClients | null;
  /** The tree of the epoch last asked for: claims all ask for the same epoch until the next one is final. */
  private cached: { epoch: number; root: string; tree: EpochTree } | null = null;

  constructor(options: { store: Store; chain: ChainClients | null }) {
    this.store = options.store;
    this.chain = options.chain;
  }

  async forAccount(account: Address): Promise<ClaimAnswer> {
    const final = this.chain ? await this.vaultFinalEpoch(this.chain) : await this.storeFinalEpoch();
    if ("error" in final) return final;
    const { record } = final;
    const leaf = await this.store.epochLeaf(record.epoch, account);
    if (!leaf) return { status: 404, error: `final epoch ${record.epoch} holds nothing for ${account}` };
    const tree = await this.treeOf(record);
    if (!tree) return { status: 503, error: `the tree of epoch ${record.epoch} is not stored on this relayer` };
    return { claim: { epoch: record.epoch, root: record.root, state: leafState(leaf), proof: tree.proof(leaf.index) } };
  }

  private async storeFinalEpoch(): Promise<{ record: Rooted } | NoClaim> {
    const record = await this.store.latestEpochWith(["final"]);
    if (!record?.root) return { status: 404, error: "no epoch is final yet" };
    return { record: { ...record, root: record.root } };
  }

  private async vaultFinalEpoch(chain: ChainClients): Promise<{ record: Rooted } | NoClaim> {
    let epoch: bigint;
    let root: Hex;
    try {
      // A final epoch's root never changes, so the two reads agree even if another epoch becomes final between them.
      epoch = await chain.publicClient.readContract({
        address: chain.vault,
        abi: rewardsVaultAbi,
        functionName: "latestFinalEpoch",
      });
      if (epoch === 0n) return { status: 404, error: "no epoch is final on-chain yet" };
      ({ root } = await chain.publicClient.readContract({
        address: chain.vault,
        abi: rewardsVaultAbi,
        functionName: "getEpoch",
        args: [epoch],
      }));
    } catch (error) {
      return { status: 503, error: `the vault cannot be read now (${revertReason(error)}); try again` };
    }
    const record = await this.store.getEpoch(Number(epoch));
    if (!record?.root || record.root.toLowerCase() !== root.toLowerCase()) {
      return {
        status: 503,
        error: `the vault's final root ${root} (epoch ${epoch}) is not one this relayer built; it cannot prove claims against it`,
      };
    }
    return { record: { ...record, root: record.root } };
  }

  private async treeOf(record: Rooted): Promise<EpochTree | null> {
    if (this.cached?.epoch === record.epoch && this.cached.root === record.root) return this.cached.tree;
    const layers = await this.store.epochTree(record.epoch);
    if (!layers || record.leafCount === null) return null;
    const tree = new EpochTree(layers, record.leafCount);
    this.cached = { epoch: record.epoch, root: record.root, tree };
    return tree;
  }
}
