// API tokens: `wm_` + 256 random bits as base64url, shown once at creation.
// Only the SHA-256 is stored, so a copy of the database holds nothing that authenticates.
import { monotonicFactory } from "ulid";

const TOKEN_PREFIX = "wm_";
const TOKEN_BYTES = 32;
/** `wm_` + unpadded base64url of 32 bytes (43 characters). */
const TOKEN_PATTERN = /^wm_[A-Za-z0-9_-]{43}$/;
const nextUlid = monotonicFactory();

export function generateToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  return `${TOKEN_PREFIX}${base64url(bytes)}`;
}

/** Cheap shape check, so text that cannot be a token never costs a D1 read. */
export function isTokenShaped(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

/** Lowercase hex SHA-256 of the whole token: what the database keeps and looks up. */
export async function hashToken(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** `tok_` + ULID: sorts by creation, and is what the audit log names as the actor. */
export function newTokenId(now: number): string {
  return `tok_${nextUlid(now)}`;
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
