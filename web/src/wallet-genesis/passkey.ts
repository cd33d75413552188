/**
 * A passkey as the wallet's encryption key, through WebAuthn's PRF extension: the authenticator computes an HMAC of
 * our salt with a secret bound to the credential and returns it only after user verification. Browsers or
 * authenticators without PRF report it at registration (`prf.enabled` false or missing); the caller then falls back
 * to a password.
 */
import { fromBase64, randomBytes, toBase64 } from "./vault-crypto.ts";

/** This browser or authenticator cannot derive a key from a passkey (no WebAuthn PRF). */
export class PrfUnavailableError extends Error {
  override name = "PrfUnavailableError";
  constructor(detail: string) {
    super(`Passkeys here cannot protect a wallet (${detail}); use a password instead.`);
  }
}

export interface PasskeyRegistration {
  /** Base64 of the credential id. */
  credentialId: string;
  /** Base64 of the PRF salt the key is derived for. */
  prfSalt: string;
}

interface PrfResults {
  enabled?: boolean;
  results?: { first?: BufferSource };
}

function prfOf(credential: Credential | null): PrfResults | undefined {
  const extensions = (credential as PublicKeyCredential | null)?.getClientExtensionResults() as
    | { prf?: PrfResults }
    | undefined;
  return extensions?.prf;
}

export function passkeysAvailable(): boolean {
  return typeof globalThis.PublicKeyCredential === "function" && !!globalThis.navigator?.credentials;
}

/** Registers a passkey for the wallet and checks the authenticator supports PRF. */
export async function registerPasskey(label: string): Promise<PasskeyRegistration> {
  if (!passkeysAvailable()) throw new PrfUnavailableError("this browser has no WebAuthn");
  const prfSalt = randomBytes(32);
  const credential = await navigator.credentials.create({
    publicKey: {
      rp: { name: "GitBlock" },
      user: { id: randomBytes(16), name: label, displayName: label },
      challenge: randomBytes(32),
      pubKeyCredParams: [
        { type: "public-key", alg: -7 },
        { type: "public-key", alg: -257 },
      ],
      authenticatorSelection: { residentKey: "required", userVerification: "required" },
      extensions: { prf: { eval: { first: prfSalt } } } as AuthenticationExtensionsClientInputs,
    },
  });
  if (!credential) throw new PrfUnavailableError("no passkey was created");
  if (prfOf(credential)?.enabled !== true) throw new PrfUnavailableError("the authenticator has no PRF extension");
  return {
    credentialId: toBase64(new Uint8Array((credential as PublicKeyCredential).rawId)),
    prfSalt: toBase64(prfSalt),
  };
}

/** Asks the passkey (user verification) for its PRF output on our salt: the secret the wallet key derives from. */
export async function passkeySecret(registration: PasskeyRegistration): Promise<BufferSource> {
  if (!passkeysAvailable()) throw new PrfUnavailableError("this browser has no WebAuthn");
  const assertion = await navigator.credentials.get({
    publicKey: {
      challenge: randomBytes(32),
      allowCredentials: [{ type: "public-key", id: fromBase64(registration.credentialId) }],
      userVerification: "required",
      extensions: {
        prf: { eval: { first: fromBase64(registration.prfSalt) } },
      } as AuthenticationExtensionsClientInputs,
    },
  });
  const first = prfOf(assertion)?.results?.first;
  if (!first) throw new PrfUnavailableError("the passkey returned no PRF output");
  return first;
}
