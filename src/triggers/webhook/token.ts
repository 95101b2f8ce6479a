// A shared secret sent as is, for senders that cannot sign: in the configured header
// (X-Webhook-Token by default), as `Authorization: Bearer <token>`, or as `?token=`.
// The body is not covered, so this only proves who sent the request.
import { timingSafeEqualText } from "../../security/constant-time";
import { headerId } from "./delivery-id";
import { accept, reject, type SchemeVerifier } from "./verdict";

const DEFAULT_TOKEN_HEADER = "x-webhook-token";

export const verifyToken: SchemeVerifier = async (request, verify, secret) => {
  const presented = presentedTokens(request.headers, request.query, verify.header ?? DEFAULT_TOKEN_HEADER);
  if (presented.length === 0) {
    return reject(
      `no token was sent: use the ${verify.header ?? "X-Webhook-Token"} header, Authorization: Bearer, or ?token=`,
    );
  }
  // Every place is checked: a sender may fill Authorization with its own credentials.
  const matches = await Promise.all(presented.map((token) => timingSafeEqualText(token, secret)));
  if (!matches.includes(true)) return reject("the token does not match");
  return accept(headerId(request.headers, verify.idHeader));
};

function presentedTokens(headers: Headers, query: URLSearchParams, header: string): string[] {
  const authorization = headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
  const candidates = [headers.get(header), authorization, query.get("token")];
  return candidates.map((token) => token?.trim()).filter((token): token is string => Boolean(token));
}
