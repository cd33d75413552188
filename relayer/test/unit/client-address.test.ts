import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientKey } from "../../src/gateway/client-address.ts";

describe("client address keys (what per-address limits count under)", () => {
  it("keeps an IPv4 address, also when the socket reports it IPv4-mapped", () => {
    assert.equal(clientKey("203.0.113.7"), "203.0.113.7");
    assert.equal(clientKey("::ffff:203.0.113.7"), "203.0.113.7");
  });

  it("counts an IPv6 address by its /64, however it is written", () => {
    const key = "2001:db8:0:1::/64";
    assert.equal(clientKey("2001:db8:0:1::1"), key);
    assert.equal(clientKey("2001:0db8:0000:0001:ffff:ffff:ffff:ffff"), key);
    assert.equal(clientKey("2001:db8::1:0:0:0:5"), key);
    assert.notEqual(clientKey("2001:db8:0:2::1"), key);
    assert.equal(clientKey("::1"), "0:0:0:0::/64");
    assert.equal(clientKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  });

  it("gives a socket without an address one shared key", () => {
    assert.equal(clientKey(undefined), "unknown");
  });
});
