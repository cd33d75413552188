import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { network } from "hardhat";
import { type Address, createPublicClient, http, keccak256, parseEther, toHex } from "viem";
import { type DeployTaskArguments, deploy } from "../../scripts/deploy/task.ts";
import { runToEnd, spawnHardhat, stop, waitForOutput } from "../../scripts/lib/processes.ts";
import type { Deployment } from "../../sdk/src/deployments.ts";

const defaults: DeployTaskArguments = {
  challengeWindow: 3600,
  maxEmission: "250000",
  treasury: "",
  timelockDelay: 0,
  relayers: "",
  guardians: "",
  teamBeneficiary: "",
  vestingYears: 4,
  cliffDays: 365,
  airdropFile: "",
  airdropDays: 90,
  outDir: "",
};

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, "utf8")) as T;

describe("npm run deploy", () => {
  it("writes deployments/<network>.json that matches the chain, and an airdrop file whose proofs claim", async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), "gitblock-deploy-"));
    const connection = await network.create();
    const deployment = await deploy({ ...defaults, outDir }, connection);
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
  const port = 18545 + Math.floor(Math.random() * 1000);
  const url = `http://127.0.0.1:${port}`;
  let node: ChildProcess;

  before(async () => {
    node = spawnHardhat(["node", "--port", String(port)]);
    await waitForOutput(node, "Started HTTP");
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
