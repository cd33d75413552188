import { RelayerApi, toJson } from "@gitblock/sdk";
import type { Command } from "commander";
import { DEFAULT_KEYSTORE, KEY_ENV } from "../keys.ts";
import { epochEarnings } from "../operator/earnings.ts";
import { accountAddress } from "./account-address.ts";
import { gbt } from "./format.ts";

/** `gitblock-node earnings`: per epoch, what the account earned, from the relayer's published (and checked) epoch files. */
export function registerEarningsCommand(program: Command, defaultRelayer: string): void {
  program
    .command("earnings")
    .description(
      "what the node earned per epoch, read from the relayer's epoch files after checking each against its contentHash and root",
    )
    .option("--relayer <url>", "relayer base URL (env GITBLOCK_RELAYER_URL)", defaultRelayer)
    .option("--account <address>", "this account instead of the node's")
    .option(
      "--keystore <file>",
      `keystore whose address to use (no password needed; default ${DEFAULT_KEYSTORE}, or $${KEY_ENV})`,
    )
    .option("--last <n>", "only the newest n epochs")
    .option("--json", "print JSON")
    .action(async (opts) => {
      const account = accountAddress({ address: opts.account, keystore: opts.keystore }, "--account");
      let last: number | undefined;
      if (opts.last !== undefined) {
        last = Number(opts.last);
        if (!Number.isInteger(last) || last < 1)
          throw new Error(`--last must be a positive integer, got "${opts.last}"`);
      }
      const live = !opts.json && Boolean(process.stderr.isTTY);
      const rows = await epochEarnings(new RelayerApi(String(opts.relayer)), account, {
        ...(last !== undefined ? { last } : {}),
        onEpoch: (epoch, done, total) => {
          if (live) process.stderr.write(`\r\x1b[2Kchecking epoch ${epoch}'s file (${done + 1}/${total})…`);
        },
      });
      if (live) process.stderr.write("\r\x1b[2K");
      const total = rows.reduce((sum, row) => sum + row.earnedWei, 0n);
      if (opts.json) {
        console.log(toJson({ account, epochs: rows, earnedWei: total }));
        return;
      }
      if (rows.length === 0) {
        console.log(`${account}: no published epoch holds this account yet`);
        return;
      }
      console.log(
        `${account}: ${rows.length} epoch${rows.length === 1 ? "" : "s"}, each file checked against its contentHash and root`,
      );
      console.log(`${"epoch".padEnd(7)}${"earned".padEnd(18)}${"cumulative".padEnd(18)}${"final".padEnd(7)}root`);
      for (const row of rows) {
        console.log(
          `${String(row.epoch).padEnd(7)}${gbt(row.earnedWei).padEnd(18)}${gbt(row.cumulativeWei).padEnd(18)}${(row.final ? "yes" : row.status).padEnd(7)}${row.root}`,
        );
      }
      console.log(`earned in these epochs: ${gbt(total)}`);
    });
}
