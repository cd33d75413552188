// The README's first command, end to end: the same start-up as `npm start` (chain, contracts, relayer, dApp,
// simulated fleet), then earn → settle → claim, the airdrop and a reputation record against that deployment.
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type ClaimProof,
  gbtPermitTypedData,
  gitBlockAirdropAbi,
  gitBlockTokenAbi,
  inferenceCreditsAbi,
  parseClaimProof,
  parseEpochRow,
  permitSignatureParts,
  rewardsVaultAbi,
} from "@gitblock/sdk";
import { developmentKey } from "@gitblock/testkit";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type Address, createPublicClient, createWalletClient, type Hex, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { type LocalNetwork, startLocalNetwork } from "../../scripts/local/network.ts";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  assert.ok(response.ok, `GET ${url}: HTTP ${response.status}`);
  return response.json();
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 300_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("npm start: the local network", () => {
  let network: LocalNetwork;
  let dataDir: string;
  const claimer = privateKeyToAccount(developmentKey(7).privateKey);

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "gitblock-local-"));
    network = await startLocalNetwork({
      // `npm test` built the contracts before this run (under coverage, instrumented): do not rebuild them here.
      compile: false,
      chainPort: await freePort(),
      relayerPort: await freePort(),
      webPort: await freePort(),
      epochIntervalMs: 4_000,
      fleet: "honest=3,liar=1",
      jobEveryMs: 300,
      dataDir,
    });
  });

  after(() => network?.stop());

  const clients = () => {
    const transport = http(network.rpcUrl);
    return {
      publicClient: createPublicClient({ chain: hardhat, transport }),
      wallet: createWalletClient({ chain: hardhat, transport, account: claimer }),
    };
  };

  it("serves the dApp with the local deployment", async () => {
    const html = await (await fetch(`${network.webUrl}/`)).text();
    assert.match(html, /<div id="root">/);
    const config = (await getJson(`${network.webUrl}/gitblock-config.json`)) as { deployments: { chainId: number }[] };
    assert.ok(config.deployments.some((d) => d.chainId === 31337));
  });

  it("simulated nodes earn, an epoch becomes final, and a node's claim pays exactly its cumulative earnings", async () => {
    const proof = await eventually("a final epoch with earnings", async () => {
      const { epochs } = (await getJson(`${network.relayerUrl}/api/epochs`)) as { epochs: Record<string, unknown>[] };
      const final = epochs.map((e) => parseEpochRow(e as never)).find((e) => e.status === "final");
      if (!final?.cumulativeTotal) return undefined;
      const { nodes } = (await getJson(`${network.relayerUrl}/api/nodes`)) as { nodes: { address: Address }[] };
      for (const node of nodes) {
        const response = await fetch(`${network.relayerUrl}/api/claims/${node.address}`);
        if (!response.ok) continue;
        const claim = parseClaimProof((await response.json()) as never);
        if (claim.state.cumulativeAmount > 0n) return claim;
      }
      return undefined;
    });

    const { publicClient, wallet } = clients();
    const { rewardsVault, token } = network.deployment.contracts;
    const account = proof.state.account;
    assert.equal(
      await publicClient.readContract({
        address: token,
        abi: gitBlockTokenAbi,
        functionName: "balanceOf",
        args: [account],
      }),
      0n,
    );
    // Anyone may send the claim; the tokens go to the node.
    const hash = await wallet.writeContract({
      address: rewardsVault,
      abi: rewardsVaultAbi,
      functionName: "claim",
      args: [proof.state, proof.proof],
    });
    assert.equal((await publicClient.waitForTransactionReceipt({ hash })).status, "success");
    const balance = await publicClient.readContract({
      address: token,
      abi: gitBlockTokenAbi,
      functionName: "balanceOf",
      args: [account],
    });
    assert.equal(balance, proof.state.cumulativeAmount);
    assert.ok(balance > 0n);
    await recordReputation(proof);
  });

  async function recordReputation(proof: ClaimProof) {
    const { publicClient, wallet } = clients();
    const vault = network.deployment.contracts.rewardsVault;
    const latest = await publicClient.readContract({
      address: vault,
      abi: rewardsVaultAbi,
      functionName: "latestFinalEpoch",
    });
    // The proof is for the newest final epoch unless another one became final meanwhile; fetch it afresh then.
    const fresh =
      BigInt(proof.epoch) === latest
        ? proof
        : parseClaimProof((await getJson(`${network.relayerUrl}/api/claims/${proof.state.account}`)) as never);
    const hash = await wallet.writeContract({
      address: vault,
      abi: rewardsVaultAbi,
      functionName: "recordReputation",
      args: [fresh.state, fresh.proof],
    });
    assert.equal((await publicClient.waitForTransactionReceipt({ hash })).status, "success");
    const record = await publicClient.readContract({
      address: vault,
      abi: rewardsVaultAbi,
      functionName: "reputationOf",
      args: [fresh.state.account],
    });
    assert.equal(record.reputationBps, fresh.state.reputationBps);
    assert.equal(record.tasksValidated, fresh.state.tasksValidated);
    assert.equal(BigInt(record.epoch), BigInt(fresh.epoch));
  }

  it("an early adopter claims the airdrop with the proof written at deployment", async () => {
    const dump = JSON.parse(await readFile(path.join(dataDir, "localhost.airdrop.json"), "utf8"));
    const tree = StandardMerkleTree.load<[Address, string]>(dump);
    const [index, [account, amount]] = [...tree.entries()][0] as [number, [Address, string]];
    const { publicClient, wallet } = clients();
    const { airdrop, token } = network.deployment.contracts;
    const hash = await wallet.writeContract({
      address: airdrop,
      abi: gitBlockAirdropAbi,
      functionName: "claim",
      args: [account, BigInt(amount), tree.getProof(index) as Hex[]],
    });
    assert.equal((await publicClient.waitForTransactionReceipt({ hash })).status, "success");
    assert.equal(
      await publicClient.readContract({
        address: token,
        abi: gitBlockTokenAbi,
        functionName: "balanceOf",
        args: [account],
      }),
      BigInt(amount),
    );
  });

  it("a user buys inference credit with a permit in one transaction, from the address book's InferenceCredits", async () => {
    assert.equal(network.deployment.parameters.withdrawalDelay, 3_600, "the local delay is the contract's floor");
    const { inferenceCredits, airdrop, token } = network.deployment.contracts;
    // Another early adopter than the airdrop test's, so the two tests do not depend on each other.
    const dump = JSON.parse(await readFile(path.join(dataDir, "localhost.airdrop.json"), "utf8"));
    const tree = StandardMerkleTree.load<[Address, string]>(dump);
    const [index, [account, amount]] = [...tree.entries()][1] as [number, [Address, string]];
    const key = [10, 11, 12, 13, 14].map(developmentKey).find((k) => k.address === account);
    assert.ok(key, `${account} is a development account`);
    const user = privateKeyToAccount(key.privateKey);
    const transport = http(network.rpcUrl);
    const publicClient = createPublicClient({ chain: hardhat, transport });
    const wallet = createWalletClient({ chain: hardhat, transport, account: user });
    const mined = async (hash: Promise<Hex>) =>
      assert.equal((await publicClient.waitForTransactionReceipt({ hash: await hash })).status, "success");
    await mined(
      wallet.writeContract({
        address: airdrop,
        abi: gitBlockAirdropAbi,
        functionName: "claim",
        args: [account, BigInt(amount), tree.getProof(index) as Hex[]],
      }),
    );

    const value = parseEther("10");
    const deadline = (await publicClient.getBlock()).timestamp + 3_600n;
    const { v, r, s } = permitSignatureParts(
      await wallet.signTypedData(
        gbtPermitTypedData({
          chainId: hardhat.id,
          token,
          owner: account,
          spender: inferenceCredits,
          value,
          nonce: 0n,
          deadline,
        }),
      ),
    );
    await mined(
      wallet.writeContract({
        address: inferenceCredits,
        abi: inferenceCreditsAbi,
        functionName: "depositWithPermit",
        args: [value, deadline, v, r, s],
      }),
    );
    const credit = await publicClient.readContract({
      address: inferenceCredits,
      abi: inferenceCreditsAbi,
      functionName: "creditOf",
      args: [account],
    });
    assert.equal(credit, value);
  });
});
