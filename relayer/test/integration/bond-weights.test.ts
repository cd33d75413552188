import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gitBlockTokenAbi, nodeBondAbi } from "@gitblock/sdk";
import {
  closeAll,
  developmentKey,
  fleet,
  HARDHAT_KEYS,
  honest,
  liar,
  play,
  startTestChain,
  startTestRelayer,
  type TestChain,
  TestNode,
  type TestRelayer,
  until,
  waitForReadyNodes,
} from "@gitblock/testkit";
import { createWalletClient, type Hex, http, maxUint256, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const MIN_BOND = parseEther("100");
const SLASH = parseEther("40");

/**
 * Bonds read from NodeBond on a real chain decide who verifies, and a node proven wrong has its bond proposed for
 * slashing there.
 */
describe("bonds from NodeBond weigh verifiers and pay for proven wrongs", () => {
  let chain: TestChain;
  let t: TestRelayer;
  let nodes: TestNode[] = [];
  const bondedKeys = [developmentKey(6).privateKey, developmentKey(7).privateKey, developmentKey(8).privateKey];

  before(async () => {
    chain = await startTestChain();
    const send = async (key: Hex, write: (w: ReturnType<typeof walletOf>) => Promise<Hex>) => {
      const hash = await write(walletOf(key));
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      assert.equal(receipt.status, "success");
    };
    const walletOf = (key: Hex) =>
      createWalletClient({ chain: chain.chain, transport: http(chain.rpcUrl), account: privateKeyToAccount(key) });
    const token = { address: chain.token, abi: gitBlockTokenAbi } as const;
    for (const key of bondedKeys) {
      const address = privateKeyToAccount(key).address;
      await send(HARDHAT_KEYS.treasury, (w) =>
        w.writeContract({ ...token, functionName: "transfer", args: [address, parseEther("500")] }),
      );
      await send(key, (w) =>
        w.writeContract({ ...token, functionName: "approve", args: [chain.nodeBond, maxUint256] }),
      );
      await send(key, (w) =>
        w.writeContract({ address: chain.nodeBond, abi: nodeBondAbi, functionName: "bond", args: [parseEther("200")] }),
      );
    }
  });

  after(async () => {
    closeAll(nodes);
    await t?.stop();
    await chain?.stop();
  });

  it("only bonded nodes verify; a wrong claim by a bonded generator is rejected and its bond proposed for slashing", async () => {
    const reference = new TestNode();
    t = await startTestRelayer({
      settleOn: chain,
      bonds: true,
      verification: {
        verifiers: { trusted: 2, untrusted: 2 },
        bond: { minWei: MIN_BOND.toString(), slashWei: SLASH.toString(), cacheTtlMs: 100 },
        referenceVerifiers: [reference.address],
      },
    });
    const bonded = bondedKeys.map((key) => new TestNode(privateKeyToAccount(key)));
    for (const node of bonded) {
      await node.connect(t.wsUrl);
      node.ready(["tiny-llm"], 4);
    }
    const unbonded = await fleet(t, 2);
    await reference.connect(t.wsUrl);
    reference.ready(["tiny-llm"], 4);
    nodes = [...bonded, ...unbonded, reference];
    await waitForReadyNodes(
      t,
      nodes.map((n) => n.address),
      "tiny-llm",
    );
    const bonds = t.relayer.bonds;
    assert.ok(bonds, "the relayer reads NodeBond");
    await until("the bonds to be read from the chain", () =>
      bonded.every((n) => bonds.knownBondOf(n.address) === parseEther("200")) ? true : undefined,
    );
    for (const node of unbonded) assert.equal(bonds.knownBondOf(node.address), 0n);

    for (let i = 0; i < 6; i++) {
      const task = await t.relayer.scheduler.submit({ model: "tiny-llm", input: `bonded ${i}`, maxTokens: 8, seed: 1 });
      const { verifiers } = await play(t, nodes, task.id);
      for (const node of unbonded) assert.ok(!verifiers.includes(node), "an unbonded node never verifies");
    }

    // A bonded liar: it generates a wrong claim; verifiers fail it, the dispute tier confirms, a slash is proposed.
    const cheat = bonded[0] as TestNode;
    let slashId: bigint | undefined;
    for (let i = 0; i < 40 && slashId === undefined; i++) {
      const task = await t.relayer.scheduler.submit({ model: "tiny-llm", input: `lie ${i}`, maxTokens: 8, seed: 1 });
      const { generator } = await play(t, nodes, task.id, { generate: (n) => (n === cheat ? liar : honest) });
      if (generator !== cheat) continue;
      assert.equal((await t.relayer.store.getTask(task.id))?.status, "rejected");
      slashId = await until("the slash proposal to be mined", async () => {
        const count = await chain.publicClient.readContract({
          address: chain.nodeBond,
          abi: nodeBondAbi,
          functionName: "slashCount",
        });
        return count > 0n ? count : undefined;
      });
    }
    assert.ok(slashId !== undefined, "the cheat generated at least once in 40 draws");
    const slash = await chain.publicClient.readContract({
      address: chain.nodeBond,
      abi: nodeBondAbi,
      functionName: "getSlash",
      args: [slashId],
    });
    assert.equal(slash.node, cheat.address);
    assert.equal(slash.amount, SLASH);
  });
});
