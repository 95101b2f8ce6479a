// HMAC over raw request bytes and the decoding of the signatures providers send.
// Signatures are compared as bytes, so `AbC` and `abc` hex are the same signature.
import { timingSafeEqualBytes } from "../../security/constant-time";

export type HmacAlgorithm = "sha256" | "sha1";

const HASH_NAMES: Record<HmacAlgorithm, string> = { sha256: "SHA-256", sha1: "SHA-1" };
const encoder = new TextEncoder();

/** HMAC of the concatenated parts (strings as UTF-8), keyed by `key` (a string is its UTF-8 bytes). */
export async function hmac(
  algorithm: HmacAlgorithm,
  key: Uint8Array | string,
  ...parts: (Uint8Array | string)[]
): Promise<Uint8Array> {
  const keyBytes = typeof key === "string" ? encoder.encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    keyBytes,
    { name: "HMAC", hash: HASH_NAMES[algorithm] },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, concatBytes(parts)));
}

/** Whether any candidate equals `expected`; each comparison is constant-time. */
export function matchesAny(expected: Uint8Array, candidates: readonly (Uint8Array | null)[]): boolean {
  let matched = false;
  // No early exit: the time taken does not tell which rotated signature matched.
  for (const candidate of candidates) if (candidate && timingSafeEqualBytes(expected, candidate)) matched = true;
  return matched;
}

/** Hex in either case; null when the text is not an even run of hex digits. */
export function decodeHex(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(text)) return null;
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Standard base64, padding optional (secrets are often pasted without it); null when malformed. */
export function decodeBase64(text: string): Uint8Array | null {
  const unpadded = text.replace(/={1,2}$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(unpadded) || unpadded.length % 4 === 1) return null;
  const binary = atob(unpadded.padEnd(Math.ceil(unpadded.length / 4) * 4, "="));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export function decodeSignature(text: string, encoding: "hex" | "base64"): Uint8Array | null {
  return encoding === "hex" ? decodeHex(text) : decodeBase64(text);
}

function concatBytes(parts: readonly (Uint8Array | string)[]): Uint8Array {
  const chunks = parts.map((part) => (typeof part === "string" ? encoder.encode(part) : part));
  const joined = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}
