// Standard Webhooks (standardwebhooks.com): webhook-id, webhook-timestamp and
// webhook-signature, a space-separated list of `v1,<base64 HMAC-SHA256>` entries over
// "{id}.{timestamp}.{body}". Several entries appear during secret rotation; entries of
// other versions (v1a is asymmetric) are skipped, not failed. Svix, the most common
// sender, uses the same scheme under svix-id/-timestamp/-signature headers.
import { decodeBase64, hmac, matchesAny } from "./hmac-primitives";
import { timestampProblem } from "./signed-timestamp";
import { accept, missingHeader, reject, signatureMismatch, type SchemeVerifier } from "./verdict";

const SECRET_PREFIX = "whsec_";

export const verifyStandard: SchemeVerifier = async (request, _verify, secret, now) => {
  const prefix = request.headers.has("webhook-id") || !request.headers.has("svix-id") ? "webhook" : "svix";
  const id = request.headers.get(`${prefix}-id`)?.trim();
  const timestamp = request.headers.get(`${prefix}-timestamp`)?.trim();
  const header = request.headers.get(`${prefix}-signature`);
  if (!id) return missingHeader(`${prefix}-id`);
  if (!timestamp) return missingHeader(`${prefix}-timestamp`);
  if (header === null) return missingHeader(`${prefix}-signature`);
  const stale = timestampProblem(timestamp, now);
  if (stale) return reject(stale);
  const signatures = v1Signatures(header);
  if (signatures.length === 0) return reject("the webhook-signature header holds no v1,<base64> signature");
  const key = signingKey(secret);
  if (key === null)
    return reject("the webhook secret is not a whsec_ base64 secret; check the workflow's configuration");
  const expected = await hmac("sha256", key, `${id}.${timestamp}.`, request.rawBody);
  if (!matchesAny(expected, signatures.map(decodeBase64))) return signatureMismatch();
  return accept(id);
};

/**
 * The key is the base64 after `whsec_`; like the reference libraries, a secret pasted
 * without its prefix is decoded too.
 */
function signingKey(secret: string): Uint8Array | null {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = decodeBase64(encoded.trim());
  return key && key.length > 0 ? key : null;
}

function v1Signatures(header: string): string[] {
  return header
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => entry.slice("v1,".length));
}
