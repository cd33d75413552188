import { createHash, randomBytes } from "node:crypto";
import { type SignInChallenge, signInTypedData } from "@gitblock/sdk";
import { type Address, getAddress, type Hex, verifyTypedData } from "viem";
import type { Clock } from "../clock.ts";
import { AuthError } from "../errors.ts";
import type { Store } from "../store/types.ts";

export interface SignIn extends SignInChallenge {
  signature: Hex;
}

export interface Session {
  account: Address;
  /** The key the node signs commitments and reports with in this session (named in the wallet-signed sign-in). */
  sessionKey: Address;
  token: string;
  expiresAt: number;
}

/** Hash of a session token: the store never holds a usable token. */
const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * Challenge–response sign-in. The relayer issues a challenge (fresh nonce, expiry); the node signs the EIP-712
 * `NodeSignIn` with its wallet; the relayer checks domain, chain, expiry and the nonce's single use, verifies the
 * signature with viem and issues a session token that later connections resume with (no new signature).
 */
export class AuthService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly relayer: string;
  private readonly chainId: number;
  private readonly challengeTtlSec: number;
  private readonly sessionTtlSec: number;

  constructor(options: {
    store: Store;
    clock: Clock;
    relayer: string;
    chainId: number;
    challengeTtlSec: number;
    sessionTtlSec: number;
  }) {
    this.store = options.store;
    this.clock = options.clock;
    this.relayer = options.relayer;
    this.chainId = options.chainId;
    this.challengeTtlSec = options.challengeTtlSec;
    this.sessionTtlSec = options.sessionTtlSec;
  }

  /** A fresh challenge; `account` and `sessionKey` are filled in by the node. */
  async issueChallenge(): Promise<Omit<SignInChallenge, "account" | "sessionKey">> {
    const issuedAt = Math.floor(this.clock.now() / 1000);
    const expiresAt = issuedAt + this.challengeTtlSec;
    const nonce = `0x${randomBytes(32).toString("hex")}` as Hex;
    await this.store.saveNonce(nonce, expiresAt * 1000);
    return { relayer: this.relayer, chainId: this.chainId, nonce, issuedAt, expiresAt };
  }

  /** Verifies a signed challenge and opens a session; throws AuthError with a precise reason otherwise. */
  async signIn(signIn: SignIn): Promise<Session> {
    if (signIn.chainId !== this.chainId) {
      throw new AuthError(
        "wrong_chain",
        `signature is for chain ${signIn.chainId}, this relayer settles on chain ${this.chainId}`,
      );
    }
    if (signIn.relayer !== this.relayer) {
      throw new AuthError("wrong_domain", `signature is for relayer "${signIn.relayer}", this is "${this.relayer}"`);
    }
    const now = this.clock.now();
    if (signIn.expiresAt * 1000 <= now) {
      throw new AuthError("expired", `sign-in challenge expired at ${new Date(signIn.expiresAt * 1000).toISOString()}`);
    }
    let account: Address;
    try {
      account = getAddress(signIn.account);
    } catch {
      throw new AuthError("malformed", `"${signIn.account}" is not an address`);
    }
    // The nonce is looked up first (one indexed read), so random signatures cost no recovery; it is consumed only
    // after the signature verifies, so a forged signature cannot burn an honest node's challenge.
    throwIfNotUsable(await this.store.nonceState(signIn.nonce, now));
    let valid = false;
    try {
      valid = await verifyTypedData({
        address: account,
        ...signInTypedData({ ...signIn, account }),
        signature: signIn.signature,
      });
    } catch {
      valid = false;
    }
    if (!valid) throw new AuthError("bad_signature", `signature does not match account ${account} for this challenge`);
    throwIfNotUsable(await this.store.consumeNonce(signIn.nonce, now));
    let sessionKey: Address;
    try {
      sessionKey = getAddress(signIn.sessionKey);
    } catch {
      throw new AuthError("malformed", `"${signIn.sessionKey}" is not a session key address`);
    }
    return this.openSession(account, sessionKey);
  }

  /** Opens a session for an account whose identity was already proven (by `signIn`). */
  async openSession(account: Address, sessionKey: Address): Promise<Session> {
    const token = randomBytes(32).toString("base64url");
    const expiresAt = Math.floor(this.clock.now() / 1000) + this.sessionTtlSec;
    await this.store.saveSession(hashToken(token), account, expiresAt * 1000, sessionKey);
    return { account, sessionKey, token, expiresAt };
  }

  /** The account and session key a session token belongs to; throws when it is unknown or expired. */
  async resume(token: string): Promise<{ account: Address; sessionKey: Address }> {
    const session = await this.store.getSession(hashToken(token), this.clock.now());
    if (!session?.sessionKey) {
      throw new AuthError("unknown_session", "session token is unknown or expired: sign in again");
    }
    return { account: session.account, sessionKey: session.sessionKey };
  }
}

function throwIfNotUsable(nonce: "ok" | "unknown" | "used" | "expired"): void {
  if (nonce === "used") throw new AuthError("replayed", "this sign-in challenge was already used (replayed signature)");
  if (nonce === "unknown") throw new AuthError("replayed", "unknown challenge nonce: ask this relayer for a challenge");
  if (nonce === "expired") throw new AuthError("expired", "sign-in challenge expired");
}
