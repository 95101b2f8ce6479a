// Abuse limits at the edge: JSON bodies and YAML definitions
// deeper than 64 levels or wider than 10,000 keys are refused with a problem naming the
// limit; bodies have a limit per route; without a rate-limiting binding, tokens and
// webhooks have a per-isolate rate limit per minute from [vars].
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { MAX_JSON_DEPTH, MAX_JSON_KEYS } from "../../src/core/request-limits";
import { ADMIN_TOKEN, call, expectJson, expectProblem } from "../support/workers/api";
import { issueToken, uniqueName } from "../support/workers/tokens";

/** `levels` objects and arrays inside each other, counting the outermost. */
function nested(levels: number): unknown {
  let value: unknown = "bottom";
  for (let level = 0; level < levels; level++) value = level % 2 === 0 ? [value] : { down: value };
  return value;
}

const wide = (keys: number) => Object.fromEntries(Array.from({ length: keys }, (_, index) => [`k${index}`, index]));
const publish = (payload: unknown) =>
  call("POST", "/api/events", { json: { name: uniqueName("limits.probe"), payload } });
const putYaml = (id: string, yaml: string) =>
  call("PUT", `/api/workflows/${id}`, { raw: yaml, contentType: "application/yaml" });

describe("a JSON body's shape", () => {
  it("may nest exactly 64 levels deep", async () => {
    await expectJson(await publish(nested(MAX_JSON_DEPTH - 1)), 202);
  });

  it("nested deeper than 64 levels is 400 bad_request naming the limit", async () => {
    const problem = await expectProblem(await publish(nested(MAX_JSON_DEPTH)), 400, "bad_request");
    expect(problem.detail).toMatch(/deeper than 64 levels/);
  });

  it("with more than 10,000 object keys in total is 400 bad_request naming the limit", async () => {
    const half = wide(MAX_JSON_KEYS / 2);
    const problem = await expectProblem(await publish({ first: half, second: half }), 400, "bad_request");
    expect(problem.detail).toMatch(/more than 10000 object keys/);
  });

  it("of a definition sent as JSON is held to the same limits", async () => {
    const problem = await expectProblem(
      await call("POST", "/api/workflows/validate", { json: { id: "deep", steps: nested(70) } }),
      400,
      "bad_request",
    );
    expect(problem.detail).toMatch(/deeper than 64 levels/);
  });
});

describe("a YAML definition's shape", () => {
  it("nested deeper than 64 levels is refused like JSON", async () => {
    const yaml = `id: yaml-deep\nsteps: ${"[".repeat(70)}x${"]".repeat(70)}\n`;
    const problem = await expectProblem(await putYaml("yaml-deep", yaml), 400, "bad_request");
    expect(problem.detail).toMatch(/deeper than 64 levels/);
  });

  it("nested thousands of levels deep is 400, not a crash (the parser reports its own stack limit)", async () => {
    const yaml = `id: yaml-abyss\nsteps: ${"[".repeat(5000)}${"]".repeat(5000)}\n`;
    await expectProblem(
      await call("POST", "/api/workflows/validate", { raw: yaml, contentType: "application/yaml" }),
      400,
      "bad_request",
    );
  });

  it("with an alias-expansion bomb is refused before it expands (yaml's maxAliasCount)", async () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const [name, previous] of [
      ["b", "a"],
      ["c", "b"],
      ["d", "c"],
      ["e", "d"],
      ["f", "e"],
    ]) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`);
    }
    const problem = await expectProblem(
      await putYaml("yaml-bomb", `id: yaml-bomb\n${levels.join("\n")}\n`),
      400,
      "bad_request",
    );
    expect(JSON.stringify(problem.issues)).toMatch(/alias/i);
  });
});

describe("a body's size limit per route", () => {
  it("is 256 KiB for a secret value, answered 413 naming the route's limit", async () => {
    const problem = await expectProblem(
      await call("PUT", "/api/secrets/LIMITS_BIG", { json: { value: "x".repeat(300 * 1024) } }),
      413,
      "payload_too_large",
    );
    expect(problem.detail).toMatch(/262144 bytes/);
  });

  it("is 2 MiB for an event, whose payload the route then holds to 1 MiB", async () => {
    await expectProblem(await publish("x".repeat(3 * 1024 * 1024)), 413, "payload_too_large");
    const problem = await expectProblem(await publish("x".repeat(1024 * 1024 + 16)), 413, "payload_too_large");
    expect(problem.detail).toMatch(/event payload/);
  });
});

// The per-isolate fallback, as a deployment without [[ratelimits]] bindings has it; the
// bindings themselves are covered in rate-limit-binding.test.ts.
describe("the rate limit without a rate-limiting binding", () => {
  const app = createApp();
  const unbound = { ...env, API_RATE_LIMITER: undefined, WEBHOOK_RATE_LIMITER: undefined };
  const tiny = { ...unbound, WAYMARK_RATE_LIMIT_PER_TOKEN: "2", WAYMARK_RATE_LIMIT_PER_WEBHOOK: "2" } as unknown as Env;
  const send = (path: string, token: string | null, method = "GET") => {
    const headers = token ? { authorization: `Bearer ${token}` } : undefined;
    return app.fetch(new Request(`http://waymark.test${path}`, { method, headers }), tiny, createExecutionContext());
  };

  it("answers a token over its budget 429 rate_limited with Retry-After, and only that token", async () => {
    const busy = (await issueToken("viewer")).token;
    const calm = (await issueToken("viewer")).token;
    await expectJson(await send("/api/workflows", busy), 200);
    await expectJson(await send("/api/workflows", busy), 200);
    const refused = await send("/api/workflows", busy);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    const problem = await expectProblem(refused, 429, "rate_limited");
    expect(problem.detail).toMatch(/2 requests a minute for this token/);
    await expectJson(await send("/api/workflows", calm), 200);
  });

  it("counts webhook deliveries per workflow, before the signature is checked", async () => {
    const workflow = uniqueName("limits-hook");
    for (let attempt = 0; attempt < 2; attempt++)
      expect((await send(`/hooks/${workflow}`, null, "POST")).status).not.toBe(429);
    const refused = await send(`/hooks/${workflow}`, null, "POST");
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    await expectProblem(refused, 429, "rate_limited");
    expect((await send(`/hooks/${uniqueName("limits-hook")}`, null, "POST")).status).not.toBe(429);
  });

  it("never limits the break-glass admin token", async () => {
    for (let attempt = 0; attempt < 4; attempt++) await expectJson(await send("/api/workflows", ADMIN_TOKEN), 200);
  });
});
