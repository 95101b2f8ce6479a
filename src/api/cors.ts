// CORS: off unless WAYMARK_CORS_ORIGINS names the browser origins that may call the API.
// An allowed origin gets itself back (never `*`); any other gets no Access-Control-* at all.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env";

const ALLOWED_HEADERS = "authorization, content-type, idempotency-key";
const ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/** The exact origins of a comma-separated setting; blanks ignored. */
function allowedOrigins(setting: string | undefined): Set<string> {
  return new Set(
    (setting ?? "")
      .split(",")
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ""),
  );
}

/**
 * Answers a preflight (OPTIONS with Access-Control-Request-Method) with 204, with the
 * CORS headers only for an allowed origin; adds Allow-Origin to other answers for one.
 */
export const cors: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origins = allowedOrigins(c.env.WAYMARK_CORS_ORIGINS);
  const origin = c.req.header("origin");
  const allowed = origin !== undefined && origins.has(origin);
  if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method")) {
    const headers = new Headers(origins.size > 0 ? { vary: "Origin" } : {});
    if (allowed) {
      headers.set("access-control-allow-origin", origin);
      headers.set("access-control-allow-methods", ALLOWED_METHODS);
      headers.set("access-control-allow-headers", ALLOWED_HEADERS);
      headers.set("access-control-max-age", PREFLIGHT_MAX_AGE_SECONDS);
    }
    return c.body(null, { status: 204, headers: Object.fromEntries(headers) });
  }
  await next();
  if (origins.size === 0 || c.res.status === 101) return;
  c.header("vary", "Origin", { append: true });
  if (allowed) c.header("access-control-allow-origin", origin);
};
