// The EIP-1193 provider Ignition deploys through, made of the viem clients `deployProtocol` is given: reads go to the
// public client's transport untouched (so revert data reaches Ignition's error decoding as the node sent it), and
// `eth_sendTransaction` is signed by the wallet, whether its account is local (a private key) or the node's.
//
// One addition: a gas estimate for a transaction the deployer cannot pay for fails here. Ignition journals a
// transaction's nonce between the estimate and the send, and treats a send that then fails as possibly sent (a rerun
// stops and asks for its hash). Some nodes (Hardhat's among them) estimate without looking at the balance, so an empty
// key would leave such a journal; refused at the estimate, the rerun simply resumes once the key is funded.
import type { EIP1193Provider, RequestArguments } from "@nomicfoundation/ignition-core";
import {
  type Account,
  type Chain,
  formatEther,
  type Hex,
  hexToBigInt,
  hexToNumber,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";

export class InsufficientFundsError extends Error {
  override name = "InsufficientFundsError";
}

export type DeployWallet = WalletClient<Transport, Chain | undefined, Account>;

/** The fields Ignition sets on every transaction it sends (quantities as JSON-RPC hex). */
interface IgnitionTransaction {
  from: Hex;
  to?: Hex;
  data: Hex;
  value: Hex;
  nonce: Hex;
  gas: Hex;
  maxFeePerGas?: Hex;
  maxPriorityFeePerGas?: Hex;
  gasPrice?: Hex;
}

const quantity = (value: Hex | undefined) => (value === undefined ? undefined : hexToBigInt(value));

export function walletProvider(publicClient: PublicClient, wallet: DeployWallet): EIP1193Provider {
  const account = wallet.account;
  const read = publicClient.transport.request as (args: RequestArguments) => Promise<unknown>;
  const estimateAffordable = async (args: RequestArguments) => {
    const gas = (await read(args)) as Hex;
    const [tx] = args.params as [Partial<IgnitionTransaction>];
    const fee = quantity(tx.maxFeePerGas ?? tx.gasPrice);
    if (fee === undefined || tx.from?.toLowerCase() !== account.address.toLowerCase()) return gas;
    const cost = hexToBigInt(gas) * fee + (quantity(tx.value) ?? 0n);
    const balance = await publicClient.getBalance({ address: account.address, blockTag: "pending" });
    if (balance < cost) {
      throw new InsufficientFundsError(
        `insufficient funds: ${account.address} holds ${formatEther(balance)} ETH, the next transaction may cost ${formatEther(cost)} ETH; fund it and run the deploy again to resume`,
      );
    }
    return gas;
  };
  return {
    async request(args: RequestArguments) {
      if (args.method === "eth_accounts") return [account.address];
      if (args.method === "eth_estimateGas") return estimateAffordable(args);
      if (args.method !== "eth_sendTransaction") return read(args);
      const [tx] = args.params as [IgnitionTransaction];
      if (tx.from.toLowerCase() !== account.address.toLowerCase()) {
        throw new Error(`Ignition asked to send from ${tx.from}, but the deploy wallet is ${account.address}`);
      }
      const common = {
        account,
        // No chain on the wallet: viem then takes the node's chain id (a local account signs for it).
        chain: wallet.chain ?? null,
        to: tx.to,
        data: tx.data,
        value: hexToBigInt(tx.value),
        nonce: hexToNumber(tx.nonce),
        gas: hexToBigInt(tx.gas),
      };
      return tx.gasPrice !== undefined
        ? wallet.sendTransaction({ ...common, gasPrice: hexToBigInt(tx.gasPrice) })
        : wallet.sendTransaction({
            ...common,
            maxFeePerGas: quantity(tx.maxFeePerGas),
            maxPriorityFeePerGas: quantity(tx.maxPriorityFeePerGas),
          });
    },
  };
}
