// Stripe: `Stripe-Signature: t=<unix>,v1=<hex>,v1=<hex>,…` over "{t}.{body}". Several v1
// entries appear while an endpoint secret is being rolled; any one may match. The
// `whsec_…` secret is used as text, as Stripe's libraries do (unlike Standard Webhooks).
import { decodeHex, hmac, matchesAny } from "./hmac-primitives";
import { jsonBodyId } from "./delivery-id";
import { timestampProblem } from "./signed-timestamp";
import { accept, missingHeader, reject, signatureMismatch, type SchemeVerifier } from "./verdict";

export const verifyStripe: SchemeVerifier = async (request, _verify, secret, now) => {
  const header = request.headers.get("stripe-signature");
  if (header === null) return missingHeader("Stripe-Signature");
  const { timestamp, signatures } = parseStripeSignature(header);
  if (timestamp === null || signatures.length === 0)
    return reject("the Stripe-Signature header must hold t=<timestamp> and at least one v1=<signature>");
  const stale = timestampProblem(timestamp, now);
  if (stale) return reject(stale);
  const expected = await hmac("sha256", secret, `${timestamp}.`, request.rawBody);
  if (!matchesAny(expected, signatures.map(decodeHex))) return signatureMismatch();
  // Stripe retries an event with the same `evt_…` id, so the event id dedupes deliveries.
  return accept(jsonBodyId(request.rawBody, "id"));
};

/** The `t` and every `v1` of the header; other schemes (v0, test-mode extras) are ignored. */
function parseStripeSignature(header: string): { timestamp: string | null; signatures: string[] } {
  let timestamp: string | null = null;
  const signatures: string[] = [];
  for (const item of header.split(",")) {
    const [key, value] = splitOnce(item.trim(), "=");
    if (key === "t") timestamp = value;
    if (key === "v1" && value) signatures.push(value);
  }
  return { timestamp, signatures };
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + separator.length)];
}
