// `npm run verify -- --network <name>` against a deployment on a `hardhat node --chain-id 4255`: no explorer is
// reachable here, so an Etherscan-API-shaped stand-in server on 127.0.0.1 (started by this test, answering as Etherscan
// does) receives what hardhat-verify would send: one verification request for each of the book's seven contracts and
// GitBlockGenesis, with the right name, compiler, sources and constructor arguments (for the three contracts the
// genesis created too, whose arguments Ignition never saw).
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { deploy } from "@gitblock/deploy/task";
import { verifyDeployment } from "@gitblock/deploy/verify";
import { freePort, spawnHardhat, stop, waitForRpc } from "@gitblock/testkit";
import { createHardhatRuntimeEnvironment, importUserConfig } from "hardhat/hre";
import {
  type Abi,
  type AbiParameter,
  createPublicClient,
  createWalletClient,
  decodeAbiParameters,
  type Hex,
  http,
  keccak256,
  parseEther,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { collectingLog, realChainOptions } from "./task-arguments.ts";

const root = path.resolve(import.meta.dirname, "../..");
const CHAIN_ID = 4255;
/** Hardhat's first development account (public; funds the node's other accounts). */
const HARDHAT_ACCOUNT_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

interface Submission {
  query: URLSearchParams;
  form: URLSearchParams;
}

/** The stand-in for Etherscan's v2 API: nothing is verified yet, every submission passes at the first status check. */
async function startStandInExplorer(): Promise<{ server: Server; url: string; submissions: Submission[] }> {
  const submissions: Submission[] = [];
  const server = createServer(async (request, response) => {
    const query = new URL(request.url ?? "/", "http://stand-in").searchParams;
    let body = "";
    for await (const chunk of request) body += chunk;
    const answer = (result: unknown) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ status: "1", message: "OK", result }));
    };
    const action = query.get("action");
    if (action === "getsourcecode") return answer([{ SourceCode: "" }]);
    if (action === "verifysourcecode") {
      submissions.push({ query, form: new URLSearchParams(body) });
      return answer(`stand-in-guid-${submissions.length}`);
    }
    if (action === "checkverifystatus") return answer("Pass - Verified");
    response.writeHead(404).end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, submissions };
}

describe("npm run verify", () => {
  let node: ChildProcess;
  let explorer: Awaited<ReturnType<typeof startStandInExplorer>>;
  let rpcUrl: string;

  before(async () => {
    const port = await freePort();
    rpcUrl = `http://127.0.0.1:${port}`;
    node = spawnHardhat(["node", "--port", String(port), "--chain-id", String(CHAIN_ID)]);
    node.stdout?.resume();
    node.stderr?.resume();
    await waitForRpc(rpcUrl, { child: node });
    explorer = await startStandInExplorer();
  });

  after(async () => {
    await stop(node);
    explorer.server.close();
  });

  it("sends one verification per contract with its sources, compiler and constructor arguments", async () => {
    const deployerKey = keccak256(toHex("gitblock verify test key"));
    const deployer = privateKeyToAccount(deployerKey).address;
    const client = createPublicClient({ transport: http(rpcUrl) });
    const funder = createWalletClient({ account: privateKeyToAccount(HARDHAT_ACCOUNT_0), transport: http(rpcUrl) });
    await client.waitForTransactionReceipt({
      hash: await funder.sendTransaction({ chain: null, to: deployer, value: parseEther("10") }),
    });

    const userConfig = await importUserConfig(path.join(root, "hardhat.config.ts"));
    const hre = await createHardhatRuntimeEnvironment(
      {
        ...userConfig,
        networks: {
          ...userConfig.networks,
          standin: { type: "http", chainType: "l1", url: rpcUrl, accounts: [deployerKey] },
        },
        chainDescriptors: {
          [CHAIN_ID]: {
            name: "Stand-in chain",
            blockExplorers: {
              etherscan: { name: "Stand-in explorer", url: explorer.url, apiUrl: `${explorer.url}/api` },
            },
          },
        },
        verify: { etherscan: { apiKey: "stand-in-key" }, blockscout: { enabled: false }, sourcify: { enabled: false } },
      },
      { network: "standin" },
      root,
    );
    // The option values of a real deployment; the chain is the node above, reached as network "standin".
    const { args } = await realChainOptions("verify");
    const connection = await hre.network.create();
    const book = await deploy(args, connection, collectingLog().log);
    await verifyDeployment(
      hre,
      { journalDir: args.journalDir as string, bookDir: args.outDir, force: false },
      () => {},
    );

    const byName = new Map(
      explorer.submissions.map((s) => [String(s.form.get("contractname")).split(":").at(-1), s] as const),
    );
    const names = ["GitBlockTreasury", "TeamVesting", "GitBlockGenesis", "NodeBond", "InferenceCredits"];
    names.push("RewardsVault", "GitBlockAirdrop", "GitBlockToken");
    assert.deepEqual([...byName.keys()].sort(), names.sort(), "each contract once");
    const addressOf: Record<string, string> = {
      GitBlockTreasury: book.contracts.treasury,
      TeamVesting: book.contracts.teamVesting,
      NodeBond: book.contracts.nodeBond,
      InferenceCredits: book.contracts.inferenceCredits,
      RewardsVault: book.contracts.rewardsVault,
      GitBlockAirdrop: book.contracts.airdrop,
      GitBlockToken: book.contracts.token,
    };
    for (const [name, submission] of byName) {
      assert.equal(submission.query.get("chainid"), String(CHAIN_ID), name);
      assert.equal(submission.query.get("apikey"), "stand-in-key", name);
      assert.equal(submission.form.get("codeformat"), "solidity-standard-json-input", name);
      assert.match(String(submission.form.get("compilerversion")), /^v0\.8\.30\+commit\.[0-9a-f]+/, name);
      const input = JSON.parse(String(submission.form.get("sourceCode"))) as { sources: Record<string, unknown> };
      assert.ok(
        Object.keys(input.sources).some((source) => source.endsWith(`/${name}.sol`)),
        `${name}: its source is sent`,
      );
      const address = addressOf[name ?? ""];
      if (address) assert.equal(String(submission.form.get("contractaddress")).toLowerCase(), address.toLowerCase());
    }

    const constructorArguments = async (name: string) => {
      const { abi } = (await hre.artifacts.readArtifact(name)) as { abi: Abi };
      const creation = abi.find((item) => item.type === "constructor") as { inputs: AbiParameter[] } | undefined;
      assert.ok(creation, `${name} has a constructor`);
      const { inputs } = creation;
      const encoded = String(byName.get(name)?.form.get("constructorArguments"));
      return decodeAbiParameters(inputs, `0x${encoded}` as Hex);
    };
    const [relayer, guardian] = [...book.parameters.relayers, ...book.parameters.guardians];
    const { token, treasury, rewardsVault, airdrop, teamVesting } = book.contracts;
    assert.deepEqual(await constructorArguments("RewardsVault"), [
      token,
      treasury,
      [relayer],
      [guardian],
      treasury,
      86_400n,
      parseEther("250000"),
      parseEther("0.1"),
    ]);
    assert.deepEqual(await constructorArguments("GitBlockToken"), [rewardsVault, treasury, teamVesting, airdrop]);
    const [airdropToken, merkleRoot, deadline, sweepTo] = await constructorArguments("GitBlockAirdrop");
    assert.deepEqual(
      [airdropToken, merkleRoot, deadline, sweepTo],
      [token, book.parameters.airdropRoot, BigInt(book.parameters.airdropDeadline), treasury],
    );
  });
});
