// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`. The SHA-1
// `X-Hub-Signature` is deliberately not accepted: it would let a forger pick the weaker hash.
import { decodeHex, hmac, matchesAny } from "./hmac-primitives";
import { headerId } from "./delivery-id";
import { accept, missingHeader, reject, signatureMismatch, type SchemeVerifier } from "./verdict";

const SIGNATURE_PREFIX = "sha256=";

export const verifyGithub: SchemeVerifier = async (request, _verify, secret) => {
  const header = request.headers.get("x-hub-signature-256");
  if (header === null) return missingHeader("X-Hub-Signature-256");
  if (!header.startsWith(SIGNATURE_PREFIX)) return reject("the X-Hub-Signature-256 header must look like sha256=<hex>");
  const signature = decodeHex(header.slice(SIGNATURE_PREFIX.length).trim());
  if (signature === null) return reject("the X-Hub-Signature-256 signature is not hex");
  const expected = await hmac("sha256", secret, request.rawBody);
  if (!matchesAny(expected, [signature])) return signatureMismatch();
  return accept(headerId(request.headers, "x-github-delivery"));
};
