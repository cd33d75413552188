import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { deploy } from "@gitblock/deploy/task";
import { gitBlockTreasuryAbi, rewardsVaultAbi } from "@gitblock/sdk";
import type { Deployment } from "@gitblock/sdk/deployments";
import { freePort, runToEnd, spawnHardhat, stop, waitForRpc } from "@gitblock/testkit";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { network } from "hardhat";
import { type Address, createPublicClient, createWalletClient, http, keccak256, parseEther, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { collectingLog, TEST_DEPLOY_ARGUMENTS as defaults } from "./task-arguments.ts";

/** Hardhat's first development account (public; funds the local node's accounts). */
const HARDHAT_ACCOUNT_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/** Runs the Hardhat CLI and types each answer when its prompt appears, as a person at the terminal would. */
function answering(
  args: string[],
  env: NodeJS.ProcessEnv,
  prompts: Array<[prompt: string, answer: string]>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    [path.resolve(import.meta.dirname, "../../node_modules/hardhat/dist/src/cli.js"), ...args],
    {
      env,
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let output = "";
  // Where the next prompt is looked for: after the previous one, so an answered prompt never matches twice, and a
  // chunk that holds two prompts answers both.
  let searchFrom = 0;
  const pending = [...prompts];
  const onData = (chunk: Buffer) => {
    output += chunk;
    for (let next = pending[0]; next; next = pending[0]) {
      const at = output.indexOf(next[0], searchFrom);
      if (at < 0) break;
      searchFrom = at + next[0].length;
      pending.shift();
      child.stdin.write(`${next[1]}\n`);
      if (pending.length === 0) child.stdin.end();
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, "utf8")) as T;

describe("npm run deploy", () => {
  it("writes deployments/<network>.json that matches the chain, and an airdrop file whose proofs claim", async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), "gitblock-deploy-"));
    const connection = await network.create();
    const deployment = await deploy({ ...defaults, outDir }, connection, collectingLog().log);
    const written = await readJson<Deployment>(path.join(outDir, `${connection.networkName}.json`));
    assert.deepEqual(written, deployment);
    assert.equal(written.chainId, 31337);
    assert.ok(written.deployBlock >= 1);

    const { viem } = connection;
    const vault = await viem.getContractAt("RewardsVault", written.contracts.rewardsVault);
    assert.equal(await vault.read.challengeWindow(), 3600n);
    assert.equal(await vault.read.maxEmissionPerEpoch(), parseEther("250000"));
    assert.equal(await vault.read.treasury(), written.contracts.treasury);
    const [relayer] = written.parameters.relayers as [Address];
    assert.ok(await vault.read.hasRole([keccak256(toHex("RELAYER_ROLE")), relayer]));
    const admin = await vault.read.DEFAULT_ADMIN_ROLE();
    assert.ok(await vault.read.hasRole([admin, written.contracts.treasury]), "the timelock administers the vault");

    const tree = StandardMerkleTree.load(
      await readJson<Parameters<typeof StandardMerkleTree.load<[string, string]>>[0]>(
        path.join(outDir, `${connection.networkName}.airdrop.json`),
      ),
    );
    assert.equal(tree.root, written.parameters.airdropRoot);
    const [[index, [account, amount]]] = [...tree.entries()] as [[number, [Address, string]]];
    const airdrop = await viem.getContractAt("GitBlockAirdrop", written.contracts.airdrop);
    await airdrop.write.claim([account, BigInt(amount), tree.getProof(index) as `0x${string}`[]]);
    const token = await viem.getContractAt("GitBlockToken", written.contracts.token);
    assert.equal(await token.read.balanceOf([account]), BigInt(amount));
  });

  it("refuses a public development key on a chain other than the local one", async () => {
    const connection = await network.create({ override: { chainId: 4242 } });
    await assert.rejects(deploy({ ...defaults, outDir: tmpdir() }, connection), /refusing to deploy to chain 4242/);
  });

  it("requires relayers, guardians, a team beneficiary and an airdrop list on a real chain", async () => {
    const connection = await network.create({
      override: {
        chainId: 4243,
        accounts: [{ privateKey: keccak256(toHex("gitblock deploy test key")), balance: parseEther("100").toString() }],
      },
    });
    await assert.rejects(deploy({ ...defaults, outDir: tmpdir() }, connection), /--relayers is required on chain 4243/);
  });
});

describe("npm run deploy -- --network localhost (hardhat node)", () => {
  let url = "";
  let node: ChildProcess;

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = spawnHardhat(["node", "--port", String(port)]);
    // Drain its pipes (a full pipe would block it) and wait for the RPC endpoint itself.
    node.stdout?.resume();
    node.stderr?.resume();
    await waitForRpc(url, { child: node });
  });

  after(() => stop(node));

  it("refuses to deploy to a real network without an RPC URL and a deployer key", async () => {
    const env = { ...process.env };
    delete env.GITBLOCK_RPC_URL;
    delete env.GITBLOCK_DEPLOYER_KEY;
    const { code, output } = await runToEnd(spawnHardhat(["deploy", "--network", "remote"], env));
    assert.notEqual(code, 0);
    assert.match(output, /GITBLOCK_RPC_URL|GITBLOCK_DEPLOYER_KEY/);
  });

  it("deploys to a named network with the key from Hardhat's encrypted keystore and the README's options", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "gitblock-keystore-"));
    // Hardhat keeps its keystore under the user's config folder; a throwaway one keeps the real one untouched.
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: dir, GITBLOCK_RPC_URL: url };
    // An operator at a terminal: Hardhat skips its keystore under CI variables and inside `hardhat test` (HH_TEST).
    const unset = [
      ...["GITBLOCK_DEPLOYER_KEY", "HH_TEST", "CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "RUN_ID"],
      ...["GITHUB_ACTIONS", "NOW", "DEPLOYMENT_ID", "CODEBUILD_BUILD_NUMBER"],
    ];
    for (const name of unset) delete env[name];
    const password = "keystore password 1";
    const deployerKey = generatePrivateKey();
    const deployer = privateKeyToAccount(deployerKey).address;
    const stored = await answering(["keystore", "set", "GITBLOCK_DEPLOYER_KEY"], env, [
      ["Enter the password", password],
      ["confirm your password", password],
      ["Enter secret", deployerKey],
    ]);
    assert.equal(stored.code, 0, stored.output);
    assert.ok(
      !(await readFile(path.join(dir, "hardhat-nodejs", "keystore.json"), "utf8")).includes(deployerKey.slice(2)),
    );

    // A fresh deployer key, funded the way an operator funds theirs.
    const funder = createWalletClient({ account: privateKeyToAccount(HARDHAT_ACCOUNT_0), transport: http(url) });
    const client = createPublicClient({ transport: http(url) });
    const funding = await funder.sendTransaction({ chain: null, to: deployer, value: parseEther("10") });
    await client.waitForTransactionReceipt({ hash: funding });

    const [relayer, guardian, team, multisig, early] = Array.from(
      { length: 5 },
      () => privateKeyToAccount(generatePrivateKey()).address,
    );
    const airdropFile = path.join(dir, "airdrop.json");
    await writeFile(airdropFile, JSON.stringify([{ account: early, amount: parseEther("1000").toString() }]));
    const outDir = path.join(dir, "deployments");
    // The README's command, with the key from the keystore (the password is asked for, never read from a file).
    const deployed = await answering(
      [
        "deploy",
        "--network",
        "remote",
        "--challenge-window",
        "86400",
        "--max-emission",
        "5000000",
        "--timelock-delay",
        "172800",
        "--proposers",
        `${multisig}`,
        "--relayers",
        `${relayer}`,
        "--guardians",
        `${guardian}`,
        "--team-beneficiary",
        `${team}`,
        "--airdrop-file",
        airdropFile,
        "--out-dir",
        outDir,
      ],
      env,
      [["Enter the password", password]],
    );
    assert.equal(deployed.code, 0, deployed.output);
    const deployment = await readJson<Deployment>(path.join(outDir, "remote.json"));
    assert.equal(deployment.network, "remote");
    assert.equal(deployment.parameters.challengeWindow, 86400);
    assert.deepEqual(deployment.parameters.relayers, [relayer]);
    assert.deepEqual(deployment.parameters.guardians, [guardian]);
    const vault = { address: deployment.contracts.rewardsVault, abi: rewardsVaultAbi } as const;
    assert.equal(await client.readContract({ ...vault, functionName: "challengeWindow" }), 86400n);
    assert.equal(await client.readContract({ ...vault, functionName: "maxEmissionPerEpoch" }), parseEther("5000000"));
    const relayerRole = keccak256(toHex("RELAYER_ROLE"));
    assert.ok(
      await client.readContract({ ...vault, functionName: "hasRole", args: [relayerRole, relayer as Address] }),
    );
    const timelock = { address: deployment.contracts.treasury, abi: gitBlockTreasuryAbi } as const;
    const proposerRole = await client.readContract({ ...timelock, functionName: "PROPOSER_ROLE" });
    assert.ok(
      await client.readContract({ ...timelock, functionName: "hasRole", args: [proposerRole, multisig as Address] }),
    );
    assert.equal(await client.readContract({ ...timelock, functionName: "getMinDelay" }), 172_800n);
    assert.match(
      deployed.output,
      /GitBlockTreasury\s+PROPOSER_ROLE\s+0x[0-9a-fA-F]{40} \(proposer\)/,
      "the role table",
    );
    const deployTx = await client.getBlock({ blockNumber: BigInt(deployment.deployBlock), includeTransactions: true });
    assert.ok(
      deployTx.transactions.some((tx) => tx.from.toLowerCase() === deployer.toLowerCase()),
      "signed by the keystore's key",
    );
  });

  it("deploys through the CLI and the contracts are live on the node", async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), "gitblock-deploy-"));
    const { code, output } = await runToEnd(
      spawnHardhat(["deploy", "--network", "localhost", "--out-dir", outDir], {
        ...process.env,
        GITBLOCK_LOCAL_RPC_URL: url,
      }),
    );
    assert.equal(code, 0, output);
    const deployment = await readJson<Deployment>(path.join(outDir, "localhost.json"));
    assert.equal(deployment.network, "localhost");
    const client = createPublicClient({ transport: http(url) });
    for (const address of Object.values(deployment.contracts)) {
      const code = await client.getCode({ address });
      assert.ok(code && code.length > 2, `no code at ${address}`);
    }
  });
});
