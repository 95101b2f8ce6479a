// The rate limit where wrangler.toml binds [[ratelimits]] (docs/security.md): the binding
// is the limit of record per key class, keyed by token id or workflow id, Retry-After its
// period, the [vars] ignored, the admin token never counted, and a failing binding lets
// requests through. Driven with a fake binding through the real app.
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/api/app";
import { BINDING_PERIOD_SECONDS, createWindowLimiter, limiterFor, RATE_LIMIT_CLASSES } from "../../src/api/rate-limit";
import { ADMIN_TOKEN, expectJson, expectProblem } from "../support/workers/api";
import { issueToken, uniqueName } from "../support/workers/tokens";

/** A stand-in [[ratelimits]] binding: records every key, answers `success` from `decide`, or throws what it returns. */
function fakeBinding(decide: (key: string) => boolean | Error = () => true) {
  const keys: string[] = [];
  return {
    keys,
    async limit({ key }: RateLimitOptions): Promise<RateLimitOutcome> {
      keys.push(key);
      const outcome = decide(key);
      if (outcome instanceof Error) throw outcome;
      return { success: outcome };
    },
  };
}

const app = createApp();

function send(
  bindings: object,
  path: string,
  options: { token?: string; method?: string; headers?: Record<string, string> } = {},
) {
  const headers = new Headers(options.headers);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  const request = new Request(`http://waymark.test${path}`, { method: options.method ?? "GET", headers });
  return app.fetch(request, { ...env, ...bindings } as unknown as Env, createExecutionContext());
}

afterEach(() => vi.restoreAllMocks());

describe("a rate-limiting binding", () => {
  it("refusing is 429 rate_limited problem+json with Retry-After: the binding's period", async () => {
    const viewer = await issueToken("viewer");
    const refused = await send({ API_RATE_LIMITER: fakeBinding(() => false) }, "/api/workflows", {
      token: viewer.token,
    });
    expect(refused.headers.get("retry-after")).toBe(String(BINDING_PERIOD_SECONDS));
    const problem = await expectProblem(refused, 429, "rate_limited");
    expect(problem.detail).toBe("more than API_RATE_LIMITER allows in 60 s for this token; retry after 60 s");
  });

  it("counts API calls under the token's id, never the token, and refuses only that key", async () => {
    const busy = await issueToken("viewer");
    const calm = await issueToken("viewer");
    const api = fakeBinding((key) => key !== `token:${busy.id}`);
    await expectProblem(
      await send({ API_RATE_LIMITER: api }, "/api/workflows", { token: busy.token }),
      429,
      "rate_limited",
    );
    await expectJson(await send({ API_RATE_LIMITER: api }, "/api/workflows", { token: calm.token }), 200);
    expect(api.keys).toEqual([`token:${busy.id}`, `token:${calm.id}`]);
  });

  it("counts webhook deliveries under the workflow id on WEBHOOK_RATE_LIMITER, apart from API calls", async () => {
    const workflow = uniqueName("binding-hook");
    const api = fakeBinding();
    const hooks = fakeBinding(() => false);
    const refused = await send({ API_RATE_LIMITER: api, WEBHOOK_RATE_LIMITER: hooks }, `/hooks/${workflow}`, {
      method: "POST",
    });
    expect(refused.headers.get("retry-after")).toBe("60");
    expect((await expectProblem(refused, 429, "rate_limited")).detail).toMatch(
      /WEBHOOK_RATE_LIMITER allows in 60 s for this webhook/,
    );
    expect(hooks.keys).toEqual([`hook:${workflow}`]);
    expect(api.keys).toEqual([]);
  });

  it("counts anonymous public API calls per client address", async () => {
    const api = fakeBinding();
    await expectJson(
      await send({ API_RATE_LIMITER: api }, "/api/health", { headers: { "cf-connecting-ip": "203.0.113.9" } }),
      200,
    );
    expect(api.keys).toEqual(["ip:203.0.113.9"]);
  });

  it("is never asked about the break-glass admin token", async () => {
    const api = fakeBinding(() => false);
    for (let attempt = 0; attempt < 3; attempt++)
      await expectJson(await send({ API_RATE_LIMITER: api }, "/api/workflows", { token: ADMIN_TOKEN }), 200);
    expect(api.keys).toEqual([]);
  });

  it("sets the limit where it is bound: the per-minute vars are ignored, with one warning", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const viewer = await issueToken("viewer");
    const bindings = { API_RATE_LIMITER: fakeBinding(), WAYMARK_RATE_LIMIT_PER_TOKEN: "1" };
    for (let attempt = 0; attempt < 3; attempt++)
      await expectJson(await send(bindings, "/api/workflows", { token: viewer.token }), 200);
    const warnings = warn.mock.calls.filter(([message]) =>
      String(message).includes("WAYMARK_RATE_LIMIT_PER_TOKEN is ignored"),
    );
    expect(warnings).toHaveLength(1);
  });

  it("that throws lets the request through (fails open) and logs why, for either key class", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = fakeBinding(() => new Error("rate limiter unavailable"));
    const viewer = await issueToken("viewer");
    await expectJson(await send({ API_RATE_LIMITER: broken }, "/api/workflows", { token: viewer.token }), 200);
    const hook = await send({ WEBHOOK_RATE_LIMITER: broken }, `/hooks/${uniqueName("broken-hook")}`, {
      method: "POST",
    });
    expect([429, 500]).not.toContain(hook.status);
    expect(broken.keys).toHaveLength(2);
    expect(logged.mock.calls.map(([message]) => String(message))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/API_RATE_LIMITER failed, letting the request through/),
        expect.stringMatching(/WEBHOOK_RATE_LIMITER failed/),
      ]),
    );
  });
});

describe("without a binding, the per-isolate fallback", () => {
  it("allows 600 requests a minute per token and 1200 per webhook unless the vars say otherwise", async () => {
    const now = Date.now();
    const api = limiterFor(RATE_LIMIT_CLASSES.api, {});
    expect((await api.limit(`token:${uniqueName("fallback")}`, now)).budget).toBe("more than 600 requests a minute");
    const tuned = limiterFor(RATE_LIMIT_CLASSES.api, { WAYMARK_RATE_LIMIT_PER_TOKEN: "5" });
    expect((await tuned.limit(`token:${uniqueName("fallback")}`, now)).budget).toBe("more than 5 requests a minute");
    const hooks = limiterFor(RATE_LIMIT_CLASSES.webhook, { WAYMARK_RATE_LIMIT_PER_TOKEN: "5" });
    expect((await hooks.limit(`hook:${uniqueName("fallback")}`, now)).budget).toBe("more than 1200 requests a minute");
  });

  it("counts in fixed one-minute windows and answers the seconds left as Retry-After", async () => {
    const limiter = createWindowLimiter(2, new Map());
    const start = 1_000_000;
    expect((await limiter.limit("k", start)).allowed).toBe(true);
    expect((await limiter.limit("k", start + 1_000)).allowed).toBe(true);
    expect(await limiter.limit("k", start + 20_500)).toMatchObject({ allowed: false, retryAfterSeconds: 40 });
    expect((await limiter.limit("k", start + 60_000)).allowed).toBe(true);
  });
});
