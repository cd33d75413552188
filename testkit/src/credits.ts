import { gbtPermitTypedData, gitBlockTokenAbi, inferenceCreditsAbi, permitSignatureParts } from "@gitblock/sdk";
import { createWalletClient, type Hex, http, type LocalAccount, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { TestChain } from "./chain.ts";
import { HARDHAT_KEYS } from "./dev-keys.ts";
import { chainWallet } from "./vault-admin.ts";

async function mined(chain: TestChain, hash: Promise<Hex>): Promise<void> {
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
  if (receipt.status !== "success") throw new Error(`transaction ${receipt.transactionHash} reverted`);
}

/** A fresh user on the test chain with 1 ETH for gas and `gbtWei` GBT from the treasury. */
export async function fundedUser(chain: TestChain, gbtWei: bigint): Promise<LocalAccount> {
  const user = privateKeyToAccount(generatePrivateKey());
  await mined(
    chain,
    chainWallet(chain, HARDHAT_KEYS.deployer).sendTransaction({ to: user.address, value: parseEther("1") }),
  );
  await mined(
    chain,
    chainWallet(chain, HARDHAT_KEYS.treasury).writeContract({
      address: chain.token,
      abi: gitBlockTokenAbi,
      functionName: "transfer",
      args: [user.address, gbtWei],
    }),
  );
  return user;
}

/** `depositWithPermit` into InferenceCredits: the permit is signed off-chain, the deposit is the user's one transaction. */
export async function depositWithPermit(chain: TestChain, user: LocalAccount, amount: bigint): Promise<void> {
  const nonce = await chain.publicClient.readContract({
    address: chain.token,
    abi: gitBlockTokenAbi,
    functionName: "nonces",
    args: [user.address],
  });
  const deadline = (await chain.publicClient.getBlock()).timestamp + 3_600n;
  const signature = await user.signTypedData(
    gbtPermitTypedData({
      chainId: chain.chainId,
      token: chain.token,
      owner: user.address,
      spender: chain.inferenceCredits,
      value: amount,
      nonce,
      deadline,
    }),
  );
  const { v, r, s } = permitSignatureParts(signature);
  const wallet = createWalletClient({ chain: chain.chain, transport: http(chain.rpcUrl), account: user });
  await mined(
    chain,
    wallet.writeContract({
      address: chain.inferenceCredits,
      abi: inferenceCreditsAbi,
      functionName: "depositWithPermit",
      args: [amount, deadline, v, r, s],
    }),
  );
}
