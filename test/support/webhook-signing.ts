// The sending side of each webhook scheme, written from the providers' documentation so
// the tests sign deliveries the way GitHub, Stripe, Slack, Shopify and Standard Webhooks
// senders do. WebCrypto only: the same helpers run in workerd and in Node.

export type HmacHash = "sha256" | "sha1";

const HASH_NAMES: Record<HmacHash, string> = { sha256: "SHA-256", sha1: "SHA-1" };
const encoder = new TextEncoder();

/** HMAC of the concatenated parts (strings as UTF-8); a string key is its UTF-8 bytes. */
export async function hmacBytes(
  hash: HmacHash,
  key: string | Uint8Array,
  ...parts: (string | Uint8Array)[]
): Promise<Uint8Array> {
  const keyBytes = typeof key === "string" ? encoder.encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: HASH_NAMES[hash] }, false, [
    "sign",
  ]);
  const chunks = parts.map((part) => (typeof part === "string" ? encoder.encode(part) : part));
  const message = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    message.set(chunk, offset);
    offset += chunk.length;
  }
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, message));
}

export const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
export const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
export const fromBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (char) => char.charCodeAt(0));

/** Unix seconds, as every timestamped scheme signs them. */
export const unixSeconds = (ms: number = Date.now()): number => Math.floor(ms / 1000);

/** A body as signed and sent: strings are UTF-8, bytes go as they are. */
export type WebhookBody = string | Uint8Array;

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`, `X-GitHub-Delivery` a GUID. */
export async function githubHeaders(
  secret: string,
  body: WebhookBody,
  deliveryId: string,
): Promise<Record<string, string>> {
  return {
    "x-github-event": "issues",
    "x-github-delivery": deliveryId,
    "x-hub-signature-256": `sha256=${toHex(await hmacBytes("sha256", secret, body))}`,
  };
}

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "{t}.{body}")>`; the
 * `whsec_…` endpoint secret is used as text. The event's `id` is in the body.
 */
export async function stripeHeaders(
  secret: string,
  body: WebhookBody,
  timestamp: number,
): Promise<Record<string, string>> {
  return { "stripe-signature": `t=${timestamp},v1=${toHex(await hmacBytes("sha256", secret, `${timestamp}.`, body))}` };
}

/** Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:{timestamp}:{body}")>`. */
export async function slackHeaders(
  secret: string,
  body: WebhookBody,
  timestamp: number,
): Promise<Record<string, string>> {
  return {
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": `v0=${toHex(await hmacBytes("sha256", secret, `v0:${timestamp}:`, body))}`,
  };
}

/** Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(client secret, body)>`, `X-Shopify-Webhook-Id`. */
export async function shopifyHeaders(
  secret: string,
  body: WebhookBody,
  webhookId: string,
): Promise<Record<string, string>> {
  return {
    "x-shopify-topic": "orders/create",
    "x-shopify-webhook-id": webhookId,
    "x-shopify-hmac-sha256": toBase64(await hmacBytes("sha256", secret, body)),
  };
}

/**
 * Standard Webhooks: the key is the base64 after `whsec_`; `webhook-signature` is
 * `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
 */
export async function standardHeaders(
  secret: string,
  body: WebhookBody,
  id: string,
  timestamp: number,
): Promise<Record<string, string>> {
  const key = fromBase64(secret.replace(/^whsec_/, ""));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${toBase64(await hmacBytes("sha256", key, `${id}.${timestamp}.`, body))}`,
  };
}

export interface GenericHmacOptions {
  header: string;
  hash?: HmacHash;
  encoding?: "hex" | "base64";
  prefix?: string;
}

/** The generic `hmac` scheme: `<header>: <prefix><hex|base64 HMAC(secret, body)>`. */
export async function genericHmacHeaders(
  secret: string,
  body: WebhookBody,
  options: GenericHmacOptions,
): Promise<Record<string, string>> {
  const mac = await hmacBytes(options.hash ?? "sha256", secret, body);
  const encoded = options.encoding === "base64" ? toBase64(mac) : toHex(mac);
  return { [options.header]: `${options.prefix ?? ""}${encoded}` };
}
