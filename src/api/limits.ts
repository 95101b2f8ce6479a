// Abuse limits at the edge: how large a body each route takes, and how deep and wide
// a parsed body (JSON, or a YAML definition) may be before any route looks at it.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { AppError } from "./problem";

export const MAX_JSON_DEPTH = 64;
export const MAX_JSON_KEYS = 10_000;
export const DEFAULT_BODY_BYTES = 10 * 1024 * 1024;

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
];

/** The body limit of a request, from ROUTE_BODY_LIMITS. */
export function bodyLimitFor(method: string, path: string): number {
  return ROUTE_BODY_LIMITS.find((rule) => rule.method === method && rule.path.test(path))?.maxBytes ?? DEFAULT_BODY_BYTES;
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
    if (depth + 1 > MAX_JSON_DEPTH) throw new AppError("bad_request", `the body nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`);
    const children = Array.isArray(item) ? item : Object.values(item);
    if (!Array.isArray(item)) {
      keys += children.length;
      if (keys > MAX_JSON_KEYS) throw new AppError("bad_request", `the body has more than ${MAX_JSON_KEYS} object keys in total`);
    }
    for (const child of children) if (child !== null && typeof child === "object") stack.push({ value: child, depth: depth + 1 });
  }
}

// Rate limits: per API token on /api, per workflow on /hooks, in requests per minute from
// [vars]. The break-glass admin token is not limited, so it can always stop an incident.
export const DEFAULT_TOKEN_REQUESTS_PER_MINUTE = 600;
export const DEFAULT_WEBHOOK_REQUESTS_PER_MINUTE = 1200;
const WINDOW_MS = 60_000;
const MAX_TRACKED_KEYS = 10_000;

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until the key may try again; meaningful when not allowed. */
  retryAfterSeconds: number;
}

/** Counts one request against `key`; the one seam a shared limiter (a binding, a Durable Object) would fill. */
export interface RateLimiter {
  limit(key: string, perMinute: number, now: number): Promise<RateLimitDecision>;
}

/**
 * Fixed one-minute windows in this isolate's memory: exact for one isolate, approximate
 * across many (each counts on its own), with the table bounded so it cannot grow unchecked.
 */
export function createWindowLimiter(): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    async limit(key, perMinute, now) {
      let window = windows.get(key);
      if (!window || now - window.start >= WINDOW_MS) {
        if (windows.size >= MAX_TRACKED_KEYS) dropExpired(windows, now);
        window = { start: now, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      const retryAfterSeconds = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
      return { allowed: window.count <= perMinute, retryAfterSeconds };
    },
  };
}

function dropExpired(windows: Map<string, { start: number }>, now: number): void {
  for (const [key, window] of windows) if (now - window.start >= WINDOW_MS) windows.delete(key);
  if (windows.size >= MAX_TRACKED_KEYS) windows.clear();
}

/** A positive whole number from a [vars] text, else the default. */
export function requestsPerMinute(configured: string | undefined, fallback: number): number {
  const value = Number(configured);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

const limiter = createWindowLimiter();
const BREAK_GLASS_ACTOR_ID = "admin-token";

/**
 * 429 rate_limited with Retry-After once a key is over its budget. Runs after
 * authorization: /api counts per token (anonymous public calls per client IP), /hooks
 * per workflow id, before the webhook's signature is checked.
 */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const now = Date.now();
  const budget = rateBudget(c.req.path, c.get("actor")?.id, c.req.header("cf-connecting-ip"), c.env);
  if (budget) {
    const decision = await limiter.limit(budget.key, budget.perMinute, now);
    if (!decision.allowed) {
      throw new AppError("rate_limited", `more than ${budget.perMinute} requests a minute ${budget.per}; retry after ${decision.retryAfterSeconds} s`, { retryAfter: decision.retryAfterSeconds });
    }
  }
  await next();
};

function rateBudget(path: string, actorId: string | undefined, clientIp: string | undefined, env: Env): { key: string; perMinute: number; per: string } | undefined {
  const hook = /^\/hooks\/([^/]+)/.exec(path);
  if (hook) return { key: `hook:${hook[1]}`, perMinute: requestsPerMinute(env.WAYMARK_RATE_LIMIT_PER_WEBHOOK, DEFAULT_WEBHOOK_REQUESTS_PER_MINUTE), per: "for this webhook" };
  if (actorId === BREAK_GLASS_ACTOR_ID) return undefined;
  const perMinute = requestsPerMinute(env.WAYMARK_RATE_LIMIT_PER_TOKEN, DEFAULT_TOKEN_REQUESTS_PER_MINUTE);
  if (actorId) return { key: `token:${actorId}`, perMinute, per: "for this token" };
  return clientIp ? { key: `ip:${clientIp}`, perMinute, per: "from this address" } : undefined;
}
