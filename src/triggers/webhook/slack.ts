// Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{body}">` with the
// timestamp in X-Slack-Request-Timestamp. X-Slack-Retry-Num counts retries, it is no id:
// Events API bodies carry `event_id`, which stays the same across retries.
import { decodeHex, hmac, matchesAny } from "./hmac-primitives";
import { jsonBodyId } from "./delivery-id";
import { timestampProblem } from "./signed-timestamp";
import { accept, missingHeader, reject, signatureMismatch, type SchemeVerifier } from "./verdict";

const VERSION = "v0";

export const verifySlack: SchemeVerifier = async (request, _verify, secret, now) => {
  const timestamp = request.headers.get("x-slack-request-timestamp");
  const header = request.headers.get("x-slack-signature");
  if (timestamp === null) return missingHeader("X-Slack-Request-Timestamp");
  if (header === null) return missingHeader("X-Slack-Signature");
  const stale = timestampProblem(timestamp.trim(), now);
  if (stale) return reject(stale);
  if (!header.startsWith(`${VERSION}=`)) return reject("the X-Slack-Signature header must look like v0=<hex>");
  const signature = decodeHex(header.slice(VERSION.length + 1).trim());
  if (signature === null) return reject("the X-Slack-Signature signature is not hex");
  const expected = await hmac("sha256", secret, `${VERSION}:${timestamp.trim()}:`, request.rawBody);
  if (!matchesAny(expected, [signature])) return signatureMismatch();
  return accept(jsonBodyId(request.rawBody, "event_id"));
};
