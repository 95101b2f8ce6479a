// What a verification scheme sees and says. Reasons are shown to the caller, so they
// name headers and formats but never the expected signature or anything about the secret.
import type { WebhookScheme, WebhookVerify } from "../../core/definition/triggers";

export interface WebhookRequest {
  rawBody: Uint8Array;
  headers: Headers;
  query: URLSearchParams;
}

export type WebhookVerdict =
  | { ok: true; scheme: WebhookScheme; deliveryId: string | null }
  | { ok: false; reason: string };

/** A scheme's answer; the dispatcher adds which scheme gave it. */
export type SchemeOutcome = { ok: true; deliveryId: string | null } | { ok: false; reason: string };

export const accept = (deliveryId: string | null): SchemeOutcome => ({ ok: true, deliveryId });
export const reject = (reason: string): SchemeOutcome => ({ ok: false, reason });

export const missingHeader = (name: string): SchemeOutcome => reject(`the ${name} header is missing`);
export const signatureMismatch = (): SchemeOutcome => reject("the signature does not match the request body");

/** One scheme: `secret` is the resolved signing secret (never empty), `now` is in ms. */
export type SchemeVerifier = (
  request: WebhookRequest,
  verify: WebhookVerify,
  secret: string,
  now: number,
) => Promise<SchemeOutcome>;
