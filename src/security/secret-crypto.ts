// Secrets at rest: AES-256-GCM under a key from WAYMARK_MASTER_KEY, a fresh IV per value,
// and the secret's name as additional data so a sealed value cannot be moved to another name.
import { NonRetryableError } from "../core/errors";

export interface MasterKey {
  key: CryptoKey;
  /** First 8 hex characters of SHA-256 of the raw key: tells keys apart during rotation. */
  id: string;
}

export interface SealedSecret {
  ciphertext: string;
  iv: string;
  keyId: string;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const MIN_PASSPHRASE_LENGTH = 16;
const HKDF_SALT = "waymark/master-key";
const HKDF_INFO = "waymark secrets v1";
const encoder = new TextEncoder();

/**
 * A master key from its configured text: 32 bytes in base64 (standard or URL-safe) are the
 * key itself; any other text of at least 16 characters is stretched with HKDF-SHA-256.
 */
export async function importMasterKey(base64OrText: string): Promise<MasterKey> {
  const text = base64OrText.trim();
  if (text.length < MIN_PASSPHRASE_LENGTH) {
    throw new Error(
      `the master key must be 32 bytes of base64 or a random string of at least ${MIN_PASSPHRASE_LENGTH} characters`,
    );
  }
  const raw = decodeKeyBase64(text) ?? (await deriveKeyBytes(text));
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  return { key, id: toHex(digest.subarray(0, 4)) };
}

/** Seals one value; `aad` (the secret's name or row id) must be given again to open it. */
export async function encryptSecret(masterKey: MasterKey, plaintext: string, aad: string): Promise<SealedSecret> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const algorithm = { name: "AES-GCM", iv, additionalData: encoder.encode(aad) };
  const ciphertext = await crypto.subtle.encrypt(algorithm, masterKey.key, encoder.encode(plaintext));
  return { ciphertext: toBase64(new Uint8Array(ciphertext)), iv: toBase64(iv), keyId: masterKey.id };
}

/**
 * Opens a sealed value with the key whose id it was sealed under, from one key or a
 * keyring (the current key and the previous ones during a rotation). No key with that id,
 * a different `aad` or altered bytes fail as `secret_undecryptable`.
 */
export async function decryptSecret(
  keys: MasterKey | readonly MasterKey[],
  sealed: SealedSecret,
  aad: string,
): Promise<string> {
  const ring = Array.isArray(keys) ? keys : [keys as MasterKey];
  const masterKey = ring.find((key) => key.id === sealed.keyId);
  if (!masterKey) {
    throw undecryptable(
      aad,
      `it was sealed with key ${sealed.keyId}; the configured keys are ${ring.map((key) => key.id).join(", ") || "none"}`,
    );
  }
  try {
    const algorithm = { name: "AES-GCM", iv: fromBase64(sealed.iv), additionalData: encoder.encode(aad) };
    const plaintext = await crypto.subtle.decrypt(algorithm, masterKey.key, fromBase64(sealed.ciphertext));
    return new TextDecoder().decode(plaintext);
  } catch {
    throw undecryptable(aad, "the ciphertext was altered or belongs to another secret");
  }
}

function undecryptable(aad: string, reason: string): NonRetryableError {
  return new NonRetryableError("secret_undecryptable", `cannot decrypt secret "${aad}": ${reason}`);
}

async function deriveKeyBytes(text: string): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(text), "HKDF", false, ["deriveBits"]);
  const algorithm = { name: "HKDF", hash: "SHA-256", salt: encoder.encode(HKDF_SALT), info: encoder.encode(HKDF_INFO) };
  return new Uint8Array(await crypto.subtle.deriveBits(algorithm, material, KEY_BYTES * 8));
}

/** The key bytes when `text` is exactly 32 bytes of base64, otherwise undefined. */
function decodeKeyBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  try {
    const bytes = fromBase64(text);
    return bytes.length === KEY_BYTES ? bytes : undefined;
  } catch {
    return undefined;
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Standard or URL-safe base64, padding optional; throws on anything else. */
function fromBase64(text: string): Uint8Array {
  const standard = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(standard.padEnd(Math.ceil(standard.length / 4) * 4, "="));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
