// Bearer authentication: only the routes the table marks public, signed (webhooks)
// or link (signed approval links) answer without a bearer token; every other route refuses
// a missing, malformed, unknown, revoked or expired token with a 401 problem.
import { describe, expect, it } from "vitest";
import { ROUTE_ROLES } from "../../src/api/route-roles";
import { isRole } from "../../src/security/roles";
import { ADMIN_TOKEN, call, expectJson, expectProblem } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { issueToken, revokeIssuedToken } from "../support/workers/tokens";

const SAMPLE_PARAMS: Record<string, string> = {
  id: "auth-probe",
  version: "1",
  name: "SOME_SECRET",
  stepId: "auth-probe",
};

async function protectedRoutes(): Promise<Array<{ method: string; path: string }>> {
  const doc = await expectJson<{ paths: Record<string, Record<string, unknown>> }>(
    await call("GET", "/api/openapi.json", { token: null }),
    200,
  );
  return Object.entries(doc.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })))
    .filter((route) => isRole(ROUTE_ROLES[`${route.method} ${route.path}` as keyof typeof ROUTE_ROLES] ?? "viewer"))
    .map((route) => ({
      ...route,
      path: route.path.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE_PARAMS[name] ?? "x"),
    }));
}

/** Every protected route answers this credential with a 401 problem. */
async function expectRefusedEverywhere(token: string | null): Promise<void> {
  const routes = await protectedRoutes();
  expect(routes.length).toBeGreaterThan(10);
  for (const route of routes) {
    const response = await call(route.method, route.path, {
      token,
      json: route.method === "GET" || route.method === "DELETE" ? undefined : {},
    });
    expect(response.status, `${route.method} ${route.path}`).toBe(401);
    await expectProblem(response, 401, "unauthorized");
  }
}

describe("a request without a token", () => {
  it("is refused with 401 unauthorized as problem+json", async () => {
    const problem = await expectProblem(await call("GET", "/api/workflows", { token: null }), 401, "unauthorized");
    expect(problem.detail).toMatch(/Bearer/);
  });

  it("is refused on every route that needs a role", () => expectRefusedEverywhere(null));
});

describe("a request with a bad credential", () => {
  it("is refused with 401 when the token is wrong", async () => {
    const problem = await expectProblem(
      await call("GET", "/api/workflows", { token: "wm_not_the_admin" }),
      401,
      "unauthorized",
    );
    expect(problem.detail).toMatch(/not valid/);
  });

  it("is refused when the token is only a prefix of the real one", async () => {
    await expectProblem(await call("GET", "/api/workflows", { token: ADMIN_TOKEN.slice(0, -1) }), 401, "unauthorized");
  });

  it("is refused when the scheme is not Bearer", async () => {
    const response = await call("GET", "/api/workflows", {
      token: null,
      headers: { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` },
    });
    await expectProblem(response, 401, "unauthorized");
  });

  it("is refused on every route when the token was never issued", () =>
    expectRefusedEverywhere(`wm_${"x".repeat(43)}`));

  it("is refused on every route, admin role or not, once the token is revoked", async () => {
    const { id, token } = await issueToken("admin");
    await revokeIssuedToken(id);
    await expectRefusedEverywhere(token);
  });

  it("is refused on every route, admin role or not, once the token has expired", async () => {
    const now = freezeClock();
    try {
      const { token } = await issueToken("admin", { expiresAt: new Date(now + 1_000).toISOString() });
      advanceClock(1_000);
      await expectRefusedEverywhere(token);
    } finally {
      restoreClock();
    }
  });
});

describe("the admin token", () => {
  it("is accepted, with the scheme in any case", async () => {
    await expectJson(await call("GET", "/api/workflows"), 200);
    await expectJson(
      await call("GET", "/api/workflows", { token: null, headers: { authorization: `bearer ${ADMIN_TOKEN}` } }),
      200,
    );
  });
});
