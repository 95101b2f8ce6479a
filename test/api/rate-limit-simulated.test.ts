// The [[ratelimits]] bindings of wrangler.toml, as Miniflare simulates them, counted by the
// real Worker: the test spends a key's budget on the binding itself, then the Worker's next
// request under that key must be refused (the per-isolate fallback would let it through).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BINDING_PERIOD_SECONDS, RATE_LIMIT_CLASSES } from "../../src/api/rate-limit";
import { call, expectJson, expectProblem } from "../support/workers/api";
import { issueToken, uniqueName } from "../support/workers/tokens";

/** Calls the binding under `key` until it refuses; bounded by two windows' worth of the largest limit. */
async function spendBudget(binding: RateLimit, key: string): Promise<void> {
  for (let attempt = 0; attempt <= 2 * 1200 + 1; attempt++) if (!(await binding.limit({ key })).success) return;
  throw new Error(`the binding never refused ${key}`);
}

describe("the simulated rate-limiting bindings", () => {
  it("refuse, through the Worker, a token whose id has spent API_RATE_LIMITER's budget", async () => {
    const viewer = await issueToken("viewer");
    await expectJson(await call("GET", "/api/workflows", { token: viewer.token }), 200);
    await spendBudget(env.API_RATE_LIMITER, `token:${viewer.id}`);
    const refused = await call("GET", "/api/workflows", { token: viewer.token });
    expect(refused.headers.get("retry-after")).toBe(String(BINDING_PERIOD_SECONDS));
    expect((await expectProblem(refused, 429, "rate_limited")).detail).toMatch(
      /API_RATE_LIMITER allows in 60 s for this token/,
    );
    await expectJson(await call("GET", "/api/workflows", { token: (await issueToken("viewer")).token }), 200);
  });

  it("refuse, through the Worker, a webhook whose workflow id has spent WEBHOOK_RATE_LIMITER's budget", async () => {
    const workflow = uniqueName("simulated-hook");
    await spendBudget(env.WEBHOOK_RATE_LIMITER, `hook:${workflow}`);
    const refused = await call("POST", `/hooks/${workflow}`, { token: null });
    expect(refused.headers.get("retry-after")).toBe("60");
    expect((await expectProblem(refused, 429, "rate_limited")).detail).toMatch(
      /WEBHOOK_RATE_LIMITER allows in 60 s for this webhook/,
    );
  });
});

describe("wrangler.toml's [[ratelimits]]", () => {
  it("bind exactly the bindings the code reads, each with the period a refusal answers as Retry-After", async () => {
    const toml: string = (await import("../../wrangler.toml?raw" as string)).default;
    const entries = toml
      .split(/^\[\[ratelimits\]\]$/m)
      .slice(1)
      .map((block) => ({
        name: /^name\s*=\s*"([^"]+)"/m.exec(block)?.[1],
        period: Number(/period\s*=\s*(\d+)/.exec(block)?.[1]),
      }));
    const expected = Object.values(RATE_LIMIT_CLASSES).map((keyClass) => ({
      name: keyClass.binding,
      period: BINDING_PERIOD_SECONDS,
    }));
    expect(entries).toEqual(expected);
  });
});
