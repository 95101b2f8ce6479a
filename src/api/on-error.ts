// The one funnel from any error to a problem+json response. Routes throw; they
// never format errors themselves. Unknown errors are logged, never echoed.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, toProblem } from "../core/problem";

const PROBLEM_TYPE = "application/problem+json";

function problemResponse(c: Context, error: AppError): Response {
  const headers: Record<string, string> = { "content-type": PROBLEM_TYPE };
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
  return new Response(JSON.stringify(toProblem(error, c.req.path)), { status: error.status, headers });
}

export function onError(error: unknown, c: Context): Response {
  return problemResponse(c, toAppError(error));
}

export function onNotFound(c: Context): Response {
  return problemResponse(c, new AppError("not_found", `no route for ${c.req.method} ${c.req.path}`));
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException) return fromHttpException(error);
  if (isTransientInfrastructureError(error)) {
    return new AppError("unavailable", "a storage component is briefly unavailable; retry the request", {
      retryAfter: 1,
    });
  }
  console.error("unhandled error", error instanceof Error ? `${error.name}: ${error.message}` : error);
  return new AppError("internal", "an unexpected error occurred; it has been logged");
}

function fromHttpException(error: HTTPException): AppError {
  if (error.status === 413)
    return new AppError("payload_too_large", "the request body is larger than the limit for this route");
  if (error.status === 401) return new AppError("unauthorized", error.message || "missing or invalid bearer token");
  // Hono's body validators refuse a content type they do not parse with a 400 of that title.
  if (error.status === 415 || (error.status === 400 && /unsupported media type/i.test(error.message)))
    return new AppError("unsupported_media_type", "send the body as application/json");
  if (error.status === 400) return new AppError("bad_request", error.message || "the request could not be parsed");
  return new AppError(error.status >= 500 ? "internal" : "bad_request", error.message);
}

/**
 * Overloaded Durable Objects and D1 blips are retryable: say 503 with Retry-After.
 * drizzle wraps D1 failures, so the whole `cause` chain is examined.
 */
function isTransientInfrastructureError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  const flagged = error as Error & { retryable?: boolean; overloaded?: boolean };
  if (flagged.overloaded || flagged.retryable) return true;
  if (TRANSIENT_MESSAGE.test(error.message)) return true;
  return isTransientInfrastructureError(error.cause, depth + 1);
}

const TRANSIENT_MESSAGE =
  /overloaded|Network connection lost|storage operation exceeded timeout|timed? ?out|connection reset|temporarily unavailable|SQLITE_BUSY|database is locked/i;
