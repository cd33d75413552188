/**
 * The dApp's own wallet session with the relayer, the Bearer token of the gateway's chat, usage and API keys. It is
 * the browser node's sign-in over HTTP: a challenge (`hello`), the EIP-712 `NodeSignIn` signed by the wallet (one
 * signature, no transaction), and the `auth_ok` frame's session token. The sign-in names a throwaway session key, as
 * the node's does; chat never signs with it.
 */
import type { Address, Hex } from "viem";
import type { GatewayApi } from "./gateway-api.ts";
import { PROTOCOL_VERSION, type SignInChallenge, signInTypedData } from "./sdk.ts";

export interface WalletSession {
  account: Address;
  token: string;
  /** Unix seconds; 0: the relayer named no expiry. */
  expiresAt: number;
}

export type SignTypedData = (typedData: ReturnType<typeof signInTypedData>) => Promise<Hex>;

function field<T>(body: unknown, name: string, check: (value: unknown) => value is T): T {
  const value = typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (!check(value)) throw new Error(`the relayer's sign-in answer has no valid "${name}"`);
  return value;
}
const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

export async function signInWithWallet(options: {
  api: GatewayApi;
  account: Address;
  signTypedData: SignTypedData;
  /** The throwaway session key's address (a fresh one when not given). */
  sessionKey?: Address;
}): Promise<WalletSession> {
  const hello = await options.api.challenge();
  if (field(hello, "type", isString) !== "hello") throw new Error("the relayer sent no sign-in challenge");
  const sessionKey = options.sessionKey ?? (await throwawayAddress());
  const challenge: SignInChallenge = {
    relayer: field(hello, "relayer", isString),
    chainId: field(hello, "chainId", isNumber),
    account: options.account,
    nonce: field(hello, "nonce", isString) as Hex,
    issuedAt: field(hello, "issuedAt", isNumber),
    expiresAt: field(hello, "expiresAt", isNumber),
    sessionKey,
  };
  const signature = await options.signTypedData(signInTypedData(challenge));
  const ok = await options.api.session({ type: "auth", v: PROTOCOL_VERSION, signIn: { ...challenge, signature } });
  if (field(ok, "type", isString) !== "auth_ok") throw new Error("the relayer refused the sign-in");
  return {
    account: options.account,
    token: field(ok, "session", isString),
    expiresAt: field(ok, "expiresAt", isNumber),
  };
}

/** Still usable a minute from `nowMs`. */
export function sessionValid(session: WalletSession | null, account: Address | undefined, nowMs = Date.now()) {
  if (!session || !account || session.account.toLowerCase() !== account.toLowerCase()) return false;
  return session.expiresAt === 0 || session.expiresAt * 1000 - nowMs > 60_000;
}

async function throwawayAddress(): Promise<Address> {
  // Loaded on sign-in only: key generation is not needed for the first paint.
  const { generatePrivateKey, privateKeyToAccount } = await import("viem/accounts");
  return privateKeyToAccount(generatePrivateKey()).address;
}
