// Abuse limits on requests: how large a body each route takes, and how deep and wide
// a parsed body (JSON, or a YAML definition) may be before any route looks at it. The
// edge enforces them (api/request-body.ts, triggers/webhook/parse-body.ts).
import { AppError } from "./problem";

export const MAX_JSON_DEPTH = 64;
export const MAX_JSON_KEYS = 10_000;
const DEFAULT_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Bytes a route's body may have, first match wins; anything else gets DEFAULT_BODY_BYTES.
 * Each leaves room above what the route itself enforces on the parsed value (event
 * payloads 1 MiB, secret values 64 KiB), so that check names the precise limit while a
 * body far beyond it is cut off before it is read. Definitions keep the default: the
 * validator holds them to 256 KiB as JSON, and YAML may carry long comments.
 */
const ROUTE_BODY_LIMITS: readonly { method: string; path: RegExp; maxBytes: number }[] = [
  { method: "POST", path: /^\/api\/events$/, maxBytes: 2 * 1024 * 1024 },
  { method: "PUT", path: /^\/api\/secrets\/[^/]+$/, maxBytes: 256 * 1024 },
  { method: "POST", path: /^\/api\/approval-links$/, maxBytes: 64 * 1024 },
  // Knowledge documents are held to 1 MiB of text (src/api/knowledge.ts); JSON escaping and metadata need room.
  { method: "PUT", path: /^\/api\/knowledge\/[^/]+\/[^/]+$/, maxBytes: 4 * 1024 * 1024 },
];

/** The body limit of a request, from ROUTE_BODY_LIMITS. */
export function bodyLimitFor(method: string, path: string): number {
  return (
    ROUTE_BODY_LIMITS.find((rule) => rule.method === method && rule.path.test(path))?.maxBytes ?? DEFAULT_BODY_BYTES
  );
}

/**
 * Refuses a parsed body nested deeper than MAX_JSON_DEPTH or holding more than
 * MAX_JSON_KEYS object keys in total, as 400 bad_request naming the limit. Walks with an
 * explicit stack, so a hostile shape cannot exhaust the call stack here.
 */
export function assertBodyShape(value: unknown): void {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let keys = 0;
  while (stack.length > 0) {
    const { value: item, depth } = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth + 1 > MAX_JSON_DEPTH)
      throw new AppError("bad_request", `the body nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`);
    const children = Array.isArray(item) ? item : Object.values(item);
    if (!Array.isArray(item)) {
      keys += children.length;
      if (keys > MAX_JSON_KEYS)
        throw new AppError("bad_request", `the body has more than ${MAX_JSON_KEYS} object keys in total`);
    }
    for (const child of children)
      if (child !== null && typeof child === "object") stack.push({ value: child, depth: depth + 1 });
  }
}
