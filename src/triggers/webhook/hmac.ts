// The generic scheme for senders with their own convention: an HMAC of the raw body in
// `header`, sha256 and hex unless told otherwise, after an optional `prefix` ("sha256=").
import { decodeSignature, hmac, matchesAny } from "./hmac-primitives";
import { headerId } from "./delivery-id";
import { accept, missingHeader, reject, signatureMismatch, type SchemeVerifier } from "./verdict";

export const verifyHmac: SchemeVerifier = async (request, verify, secret) => {
  // The definition schema already requires `header`; this guards definitions stored before it did.
  if (!verify.header)
    return reject("the webhook's hmac verification names no signature header; check the workflow's configuration");
  const value = request.headers.get(verify.header)?.trim();
  if (!value) return missingHeader(verify.header);
  const prefix = verify.prefix ?? "";
  if (!value.startsWith(prefix)) return reject(`the ${verify.header} header must start with "${prefix}"`);
  const encoding = verify.encoding ?? "hex";
  const signature = decodeSignature(value.slice(prefix.length).trim(), encoding);
  if (signature === null) return reject(`the ${verify.header} signature is not ${encoding}`);
  const expected = await hmac(verify.algorithm ?? "sha256", secret, request.rawBody);
  if (!matchesAny(expected, [signature])) return signatureMismatch();
  return accept(headerId(request.headers, verify.idHeader));
};
