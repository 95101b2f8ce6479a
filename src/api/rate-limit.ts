// Rate limits: per API token on /api (anonymous public calls per client IP), per workflow
// on /hooks. The break-glass admin token is not limited, so it can always stop an incident.
// One setting wins per key class, never a mix: where wrangler.toml binds the class's
// rate-limiting binding, the binding is the limit, counted across the fleet per Cloudflare
// location, and its limit and period are set there alone. Without it, each isolate counts
// on its own, WAYMARK_RATE_LIMIT_PER_TOKEN / _PER_WEBHOOK a minute (600 / 1200 when unset).
import type { MiddlewareHandler } from "hono";
import { AppError } from "../core/problem";
import type { AppEnv } from "./app-env";

const DEFAULT_TOKEN_REQUESTS_PER_MINUTE = 600;
const DEFAULT_WEBHOOK_REQUESTS_PER_MINUTE = 1200;
/** The `period` of every [[ratelimits]] entry; the binding does not say, so a refusal answers it as Retry-After. */
export const BINDING_PERIOD_SECONDS = 60;
const WINDOW_MS = 60_000;
const MAX_TRACKED_KEYS = 10_000;

interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until the key may try again; meaningful when not allowed. */
  retryAfterSeconds: number;
  /** The budget in words, for the refusal's detail: "more than 600 requests a minute". */
  budget: string;
}

/** Counts one request against `key`. */
export interface RateLimiter {
  limit(key: string, now: number): Promise<RateLimitDecision>;
}

/** The one method Waymark calls on a Workers rate-limiting binding (a fake in tests). */
type RateLimitBinding = Pick<RateLimit, "limit">;

/**
 * The binding as the limiter of record: Retry-After is its whole period, since it does not
 * say how much is left. A binding that throws lets the request through (fail open) with a
 * console.error: the limit guards capacity, it does not authorize, and refusing would turn
 * an outage of the rate-limit service into an outage of the API and of every webhook
 * (providers give up on deliveries, losing triggers, which must never happen).
 */
function createBindingLimiter(binding: RateLimitBinding, name: string): RateLimiter {
  const budget = `more than ${name} allows in ${BINDING_PERIOD_SECONDS} s`;
  return {
    async limit(key) {
      try {
        const { success } = await binding.limit({ key });
        return { allowed: success, retryAfterSeconds: BINDING_PERIOD_SECONDS, budget };
      } catch (error) {
        console.error(`rate limit: ${name} failed, letting the request through unlimited`, error);
        return { allowed: true, retryAfterSeconds: 0, budget };
      }
    },
  };
}

type Windows = Map<string, { start: number; count: number }>;
const isolateWindows: Windows = new Map();

/**
 * Fixed one-minute windows in this isolate's memory: exact for one isolate, approximate
 * across many (each counts on its own), with the table bounded so it cannot grow unchecked.
 */
export function createWindowLimiter(perMinute: number, windows: Windows = isolateWindows): RateLimiter {
  const budget = `more than ${perMinute} requests a minute`;
  return {
    async limit(key, now) {
      let window = windows.get(key);
      if (!window || now - window.start >= WINDOW_MS) {
        if (windows.size >= MAX_TRACKED_KEYS) dropExpired(windows, now);
        window = { start: now, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      const retryAfterSeconds = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
      return { allowed: window.count <= perMinute, retryAfterSeconds, budget };
    },
  };
}

function dropExpired(windows: Windows, now: number): void {
  for (const [key, window] of windows) if (now - window.start >= WINDOW_MS) windows.delete(key);
  if (windows.size >= MAX_TRACKED_KEYS) windows.clear();
}

/** A positive whole number from a [vars] text, else the default. */
function requestsPerMinute(configured: string | undefined, fallback: number): number {
  const value = Number(configured);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** The two key classes: the binding that counts each, else the var and default of the per-isolate fallback. */
export const RATE_LIMIT_CLASSES = {
  api: {
    binding: "API_RATE_LIMITER",
    perMinuteVar: "WAYMARK_RATE_LIMIT_PER_TOKEN",
    defaultPerMinute: DEFAULT_TOKEN_REQUESTS_PER_MINUTE,
  },
  webhook: {
    binding: "WEBHOOK_RATE_LIMITER",
    perMinuteVar: "WAYMARK_RATE_LIMIT_PER_WEBHOOK",
    defaultPerMinute: DEFAULT_WEBHOOK_REQUESTS_PER_MINUTE,
  },
} as const;
type KeyClass = (typeof RATE_LIMIT_CLASSES)[keyof typeof RATE_LIMIT_CLASSES];

/** The rate-limit settings, each optional: a deployment may leave out the bindings, and the vars are unset by default. */
type RateLimitSettings = Partial<
  Record<KeyClass["binding"], RateLimitBinding> & Record<KeyClass["perMinuteVar"], string>
>;

const warnedVars = new Set<string>();

/** The class's binding when bound, else this isolate's windows at the var's (or default) limit. */
export function limiterFor(keyClass: KeyClass, settings: RateLimitSettings): RateLimiter {
  const binding = settings[keyClass.binding];
  const perMinute = settings[keyClass.perMinuteVar];
  if (!binding) return createWindowLimiter(requestsPerMinute(perMinute, keyClass.defaultPerMinute));
  if (perMinute !== undefined && !warnedVars.has(keyClass.perMinuteVar)) {
    warnedVars.add(keyClass.perMinuteVar);
    console.warn(
      `rate limit: ${keyClass.perMinuteVar} is ignored; the ${keyClass.binding} binding in wrangler.toml sets this limit`,
    );
  }
  return createBindingLimiter(binding, keyClass.binding);
}

const BREAK_GLASS_ACTOR_ID = "admin-token";

/**
 * 429 rate_limited with Retry-After once a key is over its budget. Runs after
 * authorization: /api counts per token id (never the token itself; anonymous public calls
 * per client IP), /hooks per workflow id, before the webhook's signature is checked.
 */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const subject = rateSubject(c.req.path, c.get("actor")?.id, c.req.header("cf-connecting-ip"));
  if (subject) {
    const decision = await limiterFor(subject.keyClass, c.env).limit(subject.key, Date.now());
    if (!decision.allowed) {
      throw new AppError(
        "rate_limited",
        `${decision.budget} ${subject.per}; retry after ${decision.retryAfterSeconds} s`,
        { retryAfter: decision.retryAfterSeconds },
      );
    }
  }
  await next();
};

function rateSubject(
  path: string,
  actorId: string | undefined,
  clientIp: string | undefined,
): { keyClass: KeyClass; key: string; per: string } | undefined {
  const hook = /^\/hooks\/([^/]+)/.exec(path);
  if (hook) return { keyClass: RATE_LIMIT_CLASSES.webhook, key: `hook:${hook[1]}`, per: "for this webhook" };
  if (actorId === BREAK_GLASS_ACTOR_ID) return undefined;
  if (actorId) return { keyClass: RATE_LIMIT_CLASSES.api, key: `token:${actorId}`, per: "for this token" };
  return clientIp ? { keyClass: RATE_LIMIT_CLASSES.api, key: `ip:${clientIp}`, per: "from this address" } : undefined;
}
