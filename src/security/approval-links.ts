// Signed one-time approval links: a person can approve or reject from an email or a chat
// without a token. The link carries (run, step, attempt, decision, expiry) and an
// HMAC-SHA-256 over them under a key derived from WAYMARK_MASTER_KEY; "one-time" comes
// from the run, which accepts one decision per attempt.
/** Where links point: GET shows a confirmation page, POST decides (src/api/approval-links.ts). */
export const APPROVAL_LINK_PATH = "/api/approval-links";
const encoder = new TextEncoder();
const HKDF_SALT = "waymark/approval-links";
const HKDF_INFO = "waymark approval links v1";

export interface ApprovalLinkClaims {
  runId: string;
  stepId: string;
  attempt: number;
  decision: "approve" | "reject";
  /** Epoch ms. */
  expiresAt: number;
}

/** `<claims>.<signature>`, both base64url: safe in a URL path. */
export async function signApprovalLink(masterKey: string, claims: ApprovalLinkClaims): Promise<string> {
  const body = toBase64Url(
    encoder.encode(JSON.stringify([claims.runId, claims.stepId, claims.attempt, claims.decision, claims.expiresAt])),
  );
  const signature = await crypto.subtle.sign("HMAC", await linkKey(masterKey), encoder.encode(signedText(claims)));
  return `${body}.${toBase64Url(new Uint8Array(signature))}`;
}

/** The claims of an authentic token, or null for anything forged, altered or malformed. Expiry is the caller's to check. */
export async function verifyApprovalLink(masterKey: string, token: string): Promise<ApprovalLinkClaims | null> {
  const [body, signature, extra] = token.split(".");
  if (!body || !signature || extra !== undefined) return null;
  const claims = parseClaims(body);
  const mac = fromBase64Url(signature);
  if (!claims || !mac) return null;
  // crypto.subtle.verify compares in constant time.
  const valid = await crypto.subtle.verify("HMAC", await linkKey(masterKey), mac, encoder.encode(signedText(claims)));
  return valid ? claims : null;
}

function signedText(claims: ApprovalLinkClaims): string {
  return ["waymark-approval-link", claims.runId, claims.stepId, claims.attempt, claims.decision, claims.expiresAt].join(
    "\n",
  );
}

function parseClaims(body: string): ApprovalLinkClaims | null {
  try {
    const bytes = fromBase64Url(body);
    if (!bytes) return null;
    const [runId, stepId, attempt, decision, expiresAt] = JSON.parse(new TextDecoder().decode(bytes)) as unknown[];
    if (
      typeof runId !== "string" ||
      typeof stepId !== "string" ||
      !Number.isInteger(attempt) ||
      !Number.isInteger(expiresAt)
    )
      return null;
    if (decision !== "approve" && decision !== "reject") return null;
    return { runId, stepId, attempt: attempt as number, decision, expiresAt: expiresAt as number };
  } catch {
    return null;
  }
}

async function linkKey(masterKey: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(masterKey.trim()), "HKDF", false, ["deriveKey"]);
  const algorithm = { name: "HKDF", hash: "SHA-256", salt: encoder.encode(HKDF_SALT), info: encoder.encode(HKDF_INFO) };
  return crypto.subtle.deriveKey(algorithm, material, { name: "HMAC", hash: "SHA-256", length: 256 }, false, [
    "sign",
    "verify",
  ]);
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const standard = text.replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(standard.padEnd(Math.ceil(standard.length / 4) * 4, "=")), (char) =>
      char.charCodeAt(0),
    );
  } catch {
    return null;
  }
}
