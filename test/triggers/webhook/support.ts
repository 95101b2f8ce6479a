// Builds webhook deliveries the way providers send them, and signs them with node:crypto
// so the tests check Waymark's WebCrypto code against an independent implementation.
import { createHmac } from "node:crypto";
import type { WebhookRequest } from "../../../src/triggers/webhook/verify";

/** 2024-03-01T12:00:00Z, the server's clock in every test that does not use a provider's vector. */
export const NOW = Date.UTC(2024, 2, 1, 12, 0, 0);
export const NOW_SECONDS = NOW / 1000;

export function delivery(body: string | Uint8Array, headers: Record<string, string> = {}, query = ""): WebhookRequest {
  const rawBody = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return { rawBody, headers: new Headers(headers), query: new URLSearchParams(query) };
}

/** The body with one byte changed, as a proxy or an attacker might. */
export function tamperedBody(body: string): Uint8Array {
  const bytes = new TextEncoder().encode(body);
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  return bytes;
}

export function hmacOf(
  algorithm: "sha256" | "sha1",
  key: string | Buffer,
  content: string | Uint8Array,
  encoding: "hex" | "base64",
): string {
  return createHmac(algorithm, key).update(content).digest(encoding);
}
