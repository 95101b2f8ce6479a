// Webhook verification: one verifier per scheme, chosen from a table. Everything is
// checked over the raw body bytes before anything parses it.
import type { WebhookScheme, WebhookVerify } from "../../core/definition/triggers";
import { headerId } from "./delivery-id";
import { verifyGithub } from "./github";
import { verifyHmac } from "./hmac";
import { verifyShopify } from "./shopify";
import { verifySlack } from "./slack";
import { verifyStandard } from "./standard";
import { verifyStripe } from "./stripe";
import { verifyToken } from "./token";
import type { SchemeVerifier, WebhookRequest, WebhookVerdict } from "./verdict";

export type { WebhookRequest, WebhookVerdict } from "./verdict";

// `none` is an explicit choice in the definition; `idHeader` still dedupes its deliveries.
const verifyNone: SchemeVerifier = async (request, verify) => ({
  ok: true,
  deliveryId: headerId(request.headers, verify.idHeader),
});

const VERIFIERS: Record<WebhookScheme, SchemeVerifier> = {
  github: verifyGithub,
  stripe: verifyStripe,
  slack: verifySlack,
  shopify: verifyShopify,
  standard: verifyStandard,
  hmac: verifyHmac,
  token: verifyToken,
  none: verifyNone,
};

/**
 * Whether a delivery is authentic under the trigger's `verify`, and its delivery id.
 * `secret` is the resolved `verify.secret` (null when it could not be resolved); `now` is in ms.
 */
export async function verifyWebhook(
  request: WebhookRequest,
  verify: WebhookVerify,
  secret: string | null,
  now: number,
): Promise<WebhookVerdict> {
  // An unset or empty secret would make every signature forgeable: refuse instead of verifying.
  if (verify.scheme !== "none" && !secret) return { ok: false, reason: "the webhook's secret is not configured" };
  const outcome = await VERIFIERS[verify.scheme](request, verify, secret ?? "", now);
  return outcome.ok ? { ok: true, scheme: verify.scheme, deliveryId: outcome.deliveryId } : outcome;
}
