import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deployFixture } from "./fixture.ts";

describe("deployProtocol", () => {
  it("mints the fixed supply split to vault, treasury, vesting and airdrop", async () => {
    const { token, addresses } = await deployFixture();
    assert.equal(await token.read.totalSupply(), 10n ** 27n);
    assert.equal(await token.read.balanceOf([addresses.rewardsVault]), 4n * 10n ** 26n);
    assert.equal(await token.read.rewardsVault(), addresses.rewardsVault);
  });
});
