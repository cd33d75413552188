import { RelayerApi, toJson } from "@gitblock/sdk";
import type { Command } from "commander";
import { getAddress, isAddress } from "viem";
import { DEFAULT_KEYSTORE, KEY_ENV, loadNodeAccount } from "../keys.ts";
import { connectChain, DEFAULT_RPC, DEPLOYMENT_ENV, RPC_ENV, resolveChainTarget } from "../operator/chain-target.ts";
import { claimRewards } from "../operator/claim.ts";
import { gbt } from "./format.ts";
import { spinner } from "./spinner.ts";

/**
 * `gitblock-node claim`: the headless operator's claim, without importing the key into a browser wallet. The proof
 * comes from the relayer, the vault's address from an address book (the relayer does not publish its chain), the
 * transaction is signed by the node's key and pays the account's final GBT to the account.
 */
export function registerClaimCommand(program: Command, defaultRelayer: string): void {
  program
    .command("claim")
    .description(
      "claim the node's final GBT from the rewards vault, with the relayer's proof, signed by the node's key",
    )
    .option("--relayer <url>", "relayer base URL (env GITBLOCK_RELAYER_URL)", defaultRelayer)
    .option("--rpc <url>", `JSON-RPC endpoint of the chain (env ${RPC_ENV}; default ${DEFAULT_RPC})`)
    .option(
      "--deployment <network|file>",
      `address book: deployments/<network>.json, or a file (env ${DEPLOYMENT_ENV}; default: npm start's local chain)`,
    )
    .option("--vault <address>", "the RewardsVault's address, instead of an address book")
    .option("--chain-id <id>", "with --vault: the chain id the RPC must be")
    .option("--keystore <file>", `the key that signs and pays gas (default ${DEFAULT_KEYSTORE}, or $${KEY_ENV})`)
    .option("--account <address>", "claim for this account instead (anyone may; the tokens go to it)")
    .option("--json", "print the outcome as JSON")
    .action(async (opts) => {
      if (opts.account && !isAddress(String(opts.account), { strict: false })) {
        throw new Error(`--account "${opts.account}" is not an address`);
      }
      const target = await resolveChainTarget(opts);
      const sender = await loadNodeAccount(opts.keystore ? { keystore: opts.keystore } : {});
      const account = opts.account ? getAddress(String(opts.account)) : sender.address;
      const chain = await connectChain(target);
      const json = Boolean(opts.json);
      // Held in an object: the spinner starts inside the callback, where TypeScript does not follow assignments.
      const progress: { waiting?: ReturnType<typeof spinner> } = {};
      const outcome = await claimRewards({
        api: new RelayerApi(String(opts.relayer)),
        chain,
        sender,
        account,
        onSent: (hash) => {
          progress.waiting = spinner(`claim sent: ${hash}, waiting for its receipt…`);
        },
      }).finally(() => progress.waiting?.stop());
      if (json) {
        console.log(toJson(outcome));
        return;
      }
      if (outcome.kind === "nothing") {
        console.log(`nothing to claim for ${outcome.account}: ${outcome.reason}`);
        console.log(`  claimed so far ${gbt(outcome.claimedWei)} · balance ${gbt(outcome.balanceWei)}`);
        return;
      }
      const rows: Array<[string, string]> = [
        ["account", outcome.account],
        ...(outcome.sender !== outcome.account ? [["sent by", outcome.sender] as [string, string]] : []),
        ["transaction", `${outcome.txHash} (block ${outcome.blockNumber})`],
        ["final epoch", String(outcome.epoch)],
        ["received", gbt(outcome.receivedWei)],
        ["GBT balance", gbt(outcome.balanceWei)],
        ["claimed in all", gbt(outcome.cumulativeWei)],
      ];
      for (const [k, v] of rows) console.log(`${k.padEnd(16)}${v}`);
    });
}
