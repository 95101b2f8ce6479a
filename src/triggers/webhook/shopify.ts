// Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the body>` keyed by the app's
// client secret. Retries keep their X-Shopify-Webhook-Id, which is what dedupes them.
import { decodeBase64, hmac, matchesAny } from "./hmac-primitives";
import { headerId } from "./delivery-id";
import { accept, missingHeader, reject, signatureMismatch, type SchemeVerifier } from "./verdict";

export const verifyShopify: SchemeVerifier = async (request, _verify, secret) => {
  const header = request.headers.get("x-shopify-hmac-sha256");
  if (header === null) return missingHeader("X-Shopify-Hmac-Sha256");
  const signature = decodeBase64(header.trim());
  if (signature === null) return reject("the X-Shopify-Hmac-Sha256 signature is not base64");
  const expected = await hmac("sha256", secret, request.rawBody);
  if (!matchesAny(expected, [signature])) return signatureMismatch();
  return accept(headerId(request.headers, "x-shopify-webhook-id"));
};
