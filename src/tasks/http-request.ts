// From an http step's request (secrets already substituted) to the Request fetch sends:
// the URL with its query, Waymark's default headers, and a body encoded for its type.
import { NonRetryableError } from "../core/errors";
import { USER_AGENT } from "../http/status-error";
import type { HttpRequestSpec } from "./task-message";

const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";

/** Builds the Request; anything fetch would refuse to send fails as `invalid_request`. */
export function buildRequest(spec: HttpRequestSpec, idempotencyKey: string, signal: AbortSignal): Request {
  const url = buildUrl(spec);
  try {
    const headers = new Headers(spec.headers ?? {});
    if (!headers.has("idempotency-key")) headers.set("Idempotency-Key", idempotencyKey);
    if (!headers.has("user-agent")) headers.set("User-Agent", USER_AGENT);
    const body = encodeBody(spec, headers);
    return new Request(url.href, { method: spec.method, headers, signal, ...(body === undefined ? {} : { body }) });
  } catch (error) {
    throw new NonRetryableError("invalid_request", `cannot build the request: ${(error as Error).message}`);
  }
}

function buildUrl(spec: HttpRequestSpec): URL {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new NonRetryableError("invalid_request", `not a valid URL: ${spec.url}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new NonRetryableError("invalid_request", `only http and https URLs can be requested, not ${url.protocol}`);
  }
  for (const [name, value] of Object.entries(spec.query ?? {})) url.searchParams.append(name, String(value));
  return url;
}

/**
 * Strings go as written; with no content type, anything else is JSON; a form content type
 * turns an object into form fields; any other content type gets the value's JSON text.
 */
function encodeBody(spec: HttpRequestSpec, headers: Headers): string | undefined {
  const { body, method } = spec;
  if (method === "GET" || method === "HEAD" || body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  const contentType = headers.get("content-type");
  if (contentType === null) {
    headers.set("Content-Type", "application/json");
    return JSON.stringify(body);
  }
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  if (mediaType === FORM_CONTENT_TYPE && isPlainObject(body)) return encodeForm(body);
  return JSON.stringify(body);
}

/** Arrays become repeated fields, nested objects their JSON text, null an empty value. */
function encodeForm(fields: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined) continue;
      form.append(name, item === null ? "" : typeof item === "object" ? JSON.stringify(item) : String(item));
    }
  }
  return form.toString();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
