import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeFunctionData, type Hex, parseEther, zeroAddress, zeroHash } from "viem";
import { CHALLENGE_WINDOW, DAY, deployFixture } from "./fixture.ts";
import { DEFAULT_ADMIN_ROLE, GBT, settle } from "./helpers.ts";
import { nodeState, nodeStateTree } from "./tree.ts";

const TEAM = 200_000_000n * GBT;
const YEAR = 365n * DAY;

describe("TeamVesting", () => {
  async function setup() {
    const f = await deployFixture();
    const { start, duration, cliff } = f.params.team;
    return { ...f, start, duration, cliff };
  }

  it("is owned by the beneficiary and holds the 200M team allocation", async () => {
    const f = await setup();
    assert.equal((await f.teamVesting.read.owner()).toLowerCase(), f.wallets.teamMember.account.address.toLowerCase());
    assert.equal(await f.teamVesting.read.start(), f.start);
    assert.equal(await f.teamVesting.read.duration(), 4n * YEAR);
    assert.equal(await f.teamVesting.read.cliff(), f.start + YEAR);
    assert.equal(await f.teamVesting.read.end(), f.start + 4n * YEAR);
    assert.equal(await f.token.read.balanceOf([f.teamVesting.address]), TEAM);
  });

  it("vests nothing before the cliff", async () => {
    const f = await setup();
    const token = f.token.address;
    assert.equal(await f.teamVesting.read.vestedAmount([token, f.start + f.cliff - 1n]), 0n);
    assert.equal(await f.teamVesting.read.releasable([token]), 0n);
    await f.networkHelpers.time.setNextBlockTimestamp(f.start + f.cliff - 1n);
    await f.viem.assertions.emitWithArgs(
      f.teamVesting.write.release([token], { account: f.wallets.stranger.account }),
      f.teamVesting,
      "ERC20Released",
      [token, 0n],
    );
    assert.equal(await f.token.read.balanceOf([f.wallets.teamMember.account.address]), 0n);
    assert.equal(await f.token.read.balanceOf([f.teamVesting.address]), TEAM);
  });

  it("vests linearly from the start once the cliff has passed", async () => {
    const f = await setup();
    const token = f.token.address;
    const vestedAt = (t: bigint) => f.teamVesting.read.vestedAmount([token, t]);
    assert.equal(await vestedAt(f.start + f.cliff), TEAM / 4n, "the first year vests at once at the cliff");
    assert.equal(await vestedAt(f.start + 2n * YEAR), TEAM / 2n);
    assert.equal(await vestedAt(f.start + 3n * YEAR), (TEAM * 3n) / 4n);
    assert.equal(await vestedAt(f.start + 4n * YEAR), TEAM);
    assert.equal(await vestedAt(f.start + 10n * YEAR), TEAM);
  });

  it("release pays what has vested to the beneficiary, whoever calls, and only the increment later", async () => {
    const f = await setup();
    const token = f.token.address;
    const beneficiary = f.wallets.teamMember.account.address;
    await f.networkHelpers.time.setNextBlockTimestamp(f.start + 2n * YEAR);
    const hash = await f.teamVesting.write.release([token], { account: f.wallets.stranger.account });
    await f.viem.assertions.emitWithArgs(hash, f.teamVesting, "ERC20Released", [token, TEAM / 2n]);
    assert.equal(await f.token.read.balanceOf([beneficiary]), TEAM / 2n);
    assert.equal(await f.teamVesting.read.released([token]), TEAM / 2n);
    assert.equal(await f.teamVesting.read.releasable([token]), 0n);

    await f.networkHelpers.time.setNextBlockTimestamp(f.start + 3n * YEAR);
    await f.teamVesting.write.release([token]);
    assert.equal(await f.token.read.balanceOf([beneficiary]), (TEAM * 3n) / 4n);
    await f.networkHelpers.time.increaseTo(f.start + 5n * YEAR);
    await f.teamVesting.write.release([token]);
    assert.equal(await f.token.read.balanceOf([beneficiary]), TEAM);
    assert.equal(await f.token.read.balanceOf([f.teamVesting.address]), 0n);
  });

  it("rejects a cliff longer than the duration", async () => {
    const f = await setup();
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.viem.deployContract("TeamVesting", [f.wallets.teamMember.account.address, f.start, YEAR, YEAR + 1n]),
      f.teamVesting,
      "InvalidCliffDuration",
      [YEAR + 1n, YEAR],
    );
  });
});

describe("GitBlockTreasury (timelock as vault admin)", () => {
  const DELAY = 2n * DAY;

  async function setup() {
    const probe = await deployFixture();
    const proposer = probe.wallets.admin.account.address;
    const f = await deployFixture({ treasury: undefined, timelockDelay: DELAY, timelockProposers: [proposer] });
    const timelock = await f.viem.getContractAt("GitBlockTreasury", f.addresses.treasury);
    const setWindow = (seconds: bigint) =>
      encodeFunctionData({ abi: f.vault.abi, functionName: "setChallengeWindow", args: [seconds] });
    const salt = (label: string): Hex => `0x${Buffer.from(label.padEnd(32, "\0")).toString("hex")}`;
    return { ...f, timelock, setWindow, salt };
  }

  it("is the vault's admin and treasury, holds 300M GBT, and only its proposers schedule", async () => {
    const f = await setup();
    const { admin, deployer } = f.wallets;
    const timelock = f.timelock;
    assert.equal(await f.vault.read.hasRole([DEFAULT_ADMIN_ROLE, timelock.address]), true);
    assert.equal(await f.vault.read.hasRole([DEFAULT_ADMIN_ROLE, admin.account.address]), false);
    assert.equal((await f.vault.read.treasury()).toLowerCase(), timelock.address.toLowerCase());
    assert.equal((await f.airdrop.read.treasury()).toLowerCase(), timelock.address.toLowerCase());
    assert.equal(await f.token.read.balanceOf([timelock.address]), 300_000_000n * GBT);
    assert.equal(await timelock.read.getMinDelay(), DELAY);
    assert.equal(await timelock.read.hasRole([await timelock.read.PROPOSER_ROLE(), admin.account.address]), true);
    assert.equal(await timelock.read.hasRole([await timelock.read.CANCELLER_ROLE(), admin.account.address]), true);
    assert.equal(await timelock.read.hasRole([await timelock.read.EXECUTOR_ROLE(), zeroAddress]), true, "open");
    assert.equal(await timelock.read.hasRole([DEFAULT_ADMIN_ROLE, timelock.address]), true, "self-administered");
    assert.equal(await timelock.read.hasRole([DEFAULT_ADMIN_ROLE, deployer.account.address]), false);
  });

  it("the admin EOA can no longer change vault parameters directly", async () => {
    const f = await setup();
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.setChallengeWindow([1n], { account: f.wallets.admin.account }),
      f.vault,
      "AccessControlUnauthorizedAccount",
      [f.wallets.admin.account.address, DEFAULT_ADMIN_ROLE],
    );
  });

  it("a scheduled vault parameter change runs only after the delay, executed by anyone", async () => {
    const f = await setup();
    const { admin, stranger } = f.wallets;
    const data = f.setWindow(2n * CHALLENGE_WINDOW);
    const salt = f.salt("window");
    await f.timelock.write.schedule([f.vault.address, 0n, data, zeroHash, salt, DELAY], { account: admin.account });
    const id = await f.timelock.read.hashOperation([f.vault.address, 0n, data, zeroHash, salt]);
    assert.equal(await f.timelock.read.isOperationPending([id]), true);
    const scheduledAt = BigInt(await f.networkHelpers.time.latest());
    assert.equal(await f.timelock.read.getTimestamp([id]), scheduledAt + DELAY);

    const execute = () =>
      f.timelock.write.execute([f.vault.address, 0n, data, zeroHash, salt], { account: stranger.account });
    await f.networkHelpers.time.setNextBlockTimestamp(scheduledAt + DELAY - 1n);
    await f.viem.assertions.revertWithCustomError(execute(), f.timelock, "TimelockUnexpectedOperationState");
    await f.networkHelpers.mine(); // the failed call mined nothing: use up the one-second-early timestamp
    assert.equal(await f.vault.read.challengeWindow(), CHALLENGE_WINDOW);

    const hash = await execute();
    await f.viem.assertions.emitWithArgs(hash, f.vault, "ChallengeWindowSet", [2n * CHALLENGE_WINDOW]);
    await f.viem.assertions.emit(hash, f.timelock, "CallExecuted");
    assert.equal(await f.vault.read.challengeWindow(), 2n * CHALLENGE_WINDOW);
    assert.equal(await f.timelock.read.isOperationDone([id]), true);
  });

  it("rejects schedules from non-proposers and delays below the minimum, and cancelled operations never run", async () => {
    const f = await setup();
    const { admin, stranger } = f.wallets;
    const data = f.setWindow(0n);
    const salt = f.salt("cancel");
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.timelock.write.schedule([f.vault.address, 0n, data, zeroHash, salt, DELAY], { account: stranger.account }),
      f.timelock,
      "AccessControlUnauthorizedAccount",
      [stranger.account.address, await f.timelock.read.PROPOSER_ROLE()],
    );
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.timelock.write.schedule([f.vault.address, 0n, data, zeroHash, salt, DELAY - 1n], { account: admin.account }),
      f.timelock,
      "TimelockInsufficientDelay",
      [DELAY - 1n, DELAY],
    );
    await f.timelock.write.schedule([f.vault.address, 0n, data, zeroHash, salt, DELAY], { account: admin.account });
    const id = await f.timelock.read.hashOperation([f.vault.address, 0n, data, zeroHash, salt]);
    await f.timelock.write.cancel([id], { account: admin.account });
    await f.networkHelpers.time.increase(DELAY + 1n);
    await f.viem.assertions.revertWithCustomError(
      f.timelock.write.execute([f.vault.address, 0n, data, zeroHash, salt]),
      f.timelock,
      "TimelockUnexpectedOperationState",
    );
    assert.equal(await f.vault.read.challengeWindow(), CHALLENGE_WINDOW);
  });

  it("receives network shares and spends GBT only through a scheduled call", async () => {
    const f = await setup();
    const { admin, carol } = f.wallets;
    const tree = nodeStateTree([nodeState(f.wallets.alice.account.address, parseEther("10"))]);
    await settle(f, 1n, tree, { networkShare: parseEther("3") });
    assert.equal(await f.token.read.balanceOf([f.timelock.address]), 300_000_000n * GBT + parseEther("3"));

    const data = encodeFunctionData({
      abi: f.token.abi,
      functionName: "transfer",
      args: [carol.account.address, parseEther("3")],
    });
    const salt = f.salt("grant");
    await f.timelock.write.schedule([f.token.address, 0n, data, zeroHash, salt, DELAY], { account: admin.account });
    await f.networkHelpers.time.increase(DELAY);
    await f.timelock.write.execute([f.token.address, 0n, data, zeroHash, salt]);
    assert.equal(await f.token.read.balanceOf([carol.account.address]), parseEther("3"));
  });
});
