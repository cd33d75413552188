/**
 * Encryption at rest of the created wallet's secret: AES-256-GCM (WebCrypto), the wallet's address as associated
 * data so a record's ciphertext cannot be moved under another address.
 *
 * The key comes from one of two places:
 * - a passkey, through WebAuthn's PRF extension: the authenticator returns 32 secret bytes for our salt, which
 *   HKDF-SHA-256 turns into the AES key. Nothing to remember, and the bytes never leave the authenticator unasked.
 * - a password, through PBKDF2-SHA-256 with 600,000 iterations (OWASP's 2023 figure for PBKDF2-SHA-256). PBKDF2
 *   rather than scrypt because WebCrypto has it natively: a JavaScript scrypt at a comparable work factor is
 *   several times slower in the browser for the user while costing an attacker with native code the same, and it
 *   would add a dependency that handles the key. The iteration count is stored with the record, so it can rise later.
 */
export const PBKDF2_ITERATIONS = 600_000;
export const MIN_PASSWORD_LENGTH = 10;

export interface SealedSecret {
  /** Base64 of the 12-byte AES-GCM nonce. */
  iv: string;
  /** Base64 of the ciphertext with its 16-byte tag. */
  ciphertext: string;
}

/** The password or passkey does not open this wallet (AES-GCM's tag did not verify). */
export class WrongSecretError extends Error {
  override name = "WrongSecretError";
  constructor(what: "password" | "passkey") {
    super(
      what === "password"
        ? "Wrong password: it does not unlock this wallet."
        : "This passkey does not unlock this wallet.",
    );
  }
}

export class WeakPasswordError extends Error {
  override name = "WeakPasswordError";
  constructor() {
    super(`Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

export async function keyFromPassword(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations = PBKDF2_ITERATIONS,
): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** The AES key from a passkey's PRF output (32 bytes of high entropy, so one HKDF step is enough). */
export async function keyFromPrf(prfOutput: BufferSource, salt: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", prfOutput, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt, info: new TextEncoder().encode("gitblock browser wallet v1") },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function seal(key: CryptoKey, secret: string, associatedData: string): Promise<SealedSecret> {
  const iv = randomBytes(12);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(associatedData) },
    key,
    new TextEncoder().encode(secret),
  );
  return { iv: toBase64(iv), ciphertext: toBase64(new Uint8Array(ciphertext)) };
}

export async function unseal(
  key: CryptoKey,
  sealed: SealedSecret,
  associatedData: string,
  what: "password" | "passkey",
): Promise<string> {
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64(sealed.iv), additionalData: new TextEncoder().encode(associatedData) },
      key,
      fromBase64(sealed.ciphertext),
    );
    return new TextDecoder().decode(plain);
  } catch {
    throw new WrongSecretError(what);
  }
}
