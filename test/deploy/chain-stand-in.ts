// Test helpers around a deployment's chain: an EIP-1193 provider that lets a test act between the deployment's own
// transactions (another transaction from the deployer, an empty balance), and a scan of the chain for GBT minted to a
// vault or an airdrop that does not know its token.
import assert from "node:assert/strict";
import { gitBlockAirdropAbi, gitBlockTokenAbi, rewardsVaultAbi } from "@gitblock/sdk";
import { type Address, getAddress, type PublicClient, parseAbiItem, zeroAddress } from "viem";

interface Provider {
  request(args: { method: string; params?: unknown }): Promise<unknown>;
}

/** Wraps `provider`; after the deployment's `n`-th sent transaction, `afterSend(n)` runs before the answer returns. */
export function betweenTransactions(provider: Provider, afterSend: (n: number) => Promise<void>): Provider {
  let sent = 0;
  return {
    async request(args) {
      const result = await provider.request(args);
      if (args.method === "eth_sendTransaction" || args.method === "eth_sendRawTransaction") await afterSend(++sent);
      return result;
    },
  };
}

const mint = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");

/** Fails if any GBT token on the chain minted to a vault or an airdrop whose `token()` is another address (funds no
 * claim can reach); returns the tokens found. Tokens are found by their mints (Transfer from the zero address), so no
 * call probes a contract that might revert. */
export async function assertNothingStranded(client: PublicClient): Promise<Address[]> {
  const mints = await client.getLogs({ event: mint, args: { from: zeroAddress }, fromBlock: 0n });
  const tokens = [...new Set(mints.map((log) => getAddress(log.address)))];
  for (const token of tokens) {
    const recipients = mints.filter((log) => getAddress(log.address) === token).map((log) => log.args.to as Address);
    assert.equal(recipients.length, 4, "the token minted to vault, treasury, team vesting and airdrop");
    const [vault, , , airdrop] = recipients as [Address, Address, Address, Address];
    assert.equal(
      await client.readContract({ address: token, abi: gitBlockTokenAbi, functionName: "rewardsVault" }),
      vault,
    );
    assert.equal(
      await client.readContract({ address: vault, abi: rewardsVaultAbi, functionName: "token" }),
      token,
      `the vault ${vault} holding the pool of token ${token} pays out that token`,
    );
    assert.equal(
      await client.readContract({ address: airdrop, abi: gitBlockAirdropAbi, functionName: "token" }),
      token,
      `the airdrop ${airdrop} holding the allocation of token ${token} pays out that token`,
    );
  }
  return tokens;
}
