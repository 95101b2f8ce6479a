// Bearer authentication (SPEC §5): only the public meta routes (and webhooks, signed instead) answer
// without a token; every other route refuses a missing, malformed or wrong token with a 401 problem.
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, expectJson, expectProblem } from "../support/workers/api";

// Webhooks authenticate by the provider's signature, not by bearer token (test/api/webhooks.test.ts).
const PUBLIC_ROUTES = new Set(["GET /api/health", "GET /api/openapi.json", "GET /api/definition.schema.json", "POST /hooks/{id}"]);
const SAMPLE_PARAMS: Record<string, string> = { id: "auth-probe", version: "1", name: "SOME_SECRET" };

async function protectedRoutes(): Promise<Array<{ method: string; path: string }>> {
  const doc = await expectJson<{ paths: Record<string, Record<string, unknown>> }>(await call("GET", "/api/openapi.json", { token: null }), 200);
  return Object.entries(doc.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })))
    .filter((route) => !PUBLIC_ROUTES.has(`${route.method} ${route.path}`))
    .map((route) => ({ ...route, path: route.path.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE_PARAMS[name] ?? "x") }));
}

describe("a request without a token", () => {
  it("is refused with 401 unauthorized as problem+json", async () => {
    const problem = await expectProblem(await call("GET", "/api/workflows", { token: null }), 401, "unauthorized");
    expect(problem.detail).toMatch(/Bearer/);
  });

  it("is refused on every route that is not public", async () => {
    const routes = await protectedRoutes();
    expect(routes.length).toBeGreaterThan(10);
    for (const route of routes) {
      const response = await call(route.method, route.path, { token: null, json: route.method === "GET" || route.method === "DELETE" ? undefined : {} });
      expect(response.status, `${route.method} ${route.path}`).toBe(401);
      await expectProblem(response, 401, "unauthorized");
    }
  });
});

describe("a request with a bad credential", () => {
  it("is refused with 401 when the token is wrong", async () => {
    const problem = await expectProblem(await call("GET", "/api/workflows", { token: "wm_not_the_admin" }), 401, "unauthorized");
    expect(problem.detail).toMatch(/not valid/);
  });

  it("is refused when the token is only a prefix of the real one", async () => {
    await expectProblem(await call("GET", "/api/workflows", { token: ADMIN_TOKEN.slice(0, -1) }), 401, "unauthorized");
  });

  it("is refused when the scheme is not Bearer", async () => {
    const response = await call("GET", "/api/workflows", { token: null, headers: { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` } });
    await expectProblem(response, 401, "unauthorized");
  });
});

describe("the admin token", () => {
  it("is accepted, with the scheme in any case", async () => {
    await expectJson(await call("GET", "/api/workflows"), 200);
    await expectJson(await call("GET", "/api/workflows", { token: null, headers: { authorization: `bearer ${ADMIN_TOKEN}` } }), 200);
  });
});
