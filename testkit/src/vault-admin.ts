import { rewardsVaultAbi } from "@gitblock/sdk";
import {
  type Account,
  type Chain,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  parseEther,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { TestChain } from "./chain.ts";

/** A wallet on the test chain for one of the development keys (HARDHAT_KEYS): a guardian, a claimer, … */
export function chainWallet(chain: TestChain, key: Hex): WalletClient<Transport, Chain, Account> {
  return createWalletClient({ chain: chain.chain, transport: http(chain.rpcUrl), account: privateKeyToAccount(key) });
}

/**
 * A wallet acting as the vault's admin (the treasury timelock, a contract) on the test chain, by the node's
 * account impersonation: for tests that change the vault's parameters, unpause it or take a role away.
 */
export async function vaultAdmin(chain: TestChain): Promise<WalletClient<Transport, Chain, Account>> {
  const admin = await chain.publicClient.readContract({
    address: chain.vault,
    abi: rewardsVaultAbi,
    functionName: "treasury",
  });
  const testClient = createTestClient({ chain: chain.chain, mode: "hardhat", transport: http(chain.rpcUrl) });
  await testClient.impersonateAccount({ address: admin });
  await testClient.setBalance({ address: admin, value: parseEther("10") });
  return createWalletClient({ chain: chain.chain, transport: http(chain.rpcUrl), account: admin });
}

/** Moves the test chain's clock `seconds` forward and mines a block at the new time (challenge windows). */
export async function passChainTime(chain: TestChain, seconds: number): Promise<void> {
  const testClient = createTestClient({ chain: chain.chain, mode: "hardhat", transport: http(chain.rpcUrl) });
  await testClient.increaseTime({ seconds });
  await testClient.mine({ blocks: 1 });
}
