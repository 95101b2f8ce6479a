// Security headers on every answer the Worker gives (API, webhooks, errors, approval
// pages). The dashboard's static files never reach the Worker: dashboard/_headers
// gives them the same headers and the strict Content-Security-Policy.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env";

/** The policy for Worker answers: JSON loads nothing; a page sets its own policy. */
const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
const HSTS = "max-age=31536000; includeSubDomains";

const ALWAYS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy": API_CONTENT_SECURITY_POLICY,
};

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  // A WebSocket upgrade's response carries the socket; its headers are not ours to add to.
  if (c.res.status === 101) return;
  for (const [name, value] of Object.entries(ALWAYS)) if (!c.res.headers.has(name)) c.header(name, value);
  if (new URL(c.req.url).protocol === "https:") c.header("strict-transport-security", HSTS);
};
