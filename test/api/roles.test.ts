// Roles: viewer < operator < editor < admin, decided for every route by the one
// table in src/api/route-roles.ts. The table names exactly the routes the app serves; a
// token one role too low is refused on each; a route the table forgets is refused to all.
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { ROUTE_ROLES } from "../../src/api/route-roles";
import type { RunView } from "../../src/core/engine/run-view";
import { isRole, ROLES, type Role } from "../../src/security/roles";
import { longNap } from "../fixtures/workflows-api/long-nap";
import { ADMIN_TOKEN, call, expectJson, expectProblem, saveWorkflow } from "../support/workers/api";
import { issueToken } from "../support/workers/tokens";

const SAMPLE_PARAMS: Record<string, string> = {
  id: "roles-probe",
  version: "1",
  name: "ROLES_PROBE_SECRET",
  stepId: "roles-probe",
};
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  for (const role of ROLES) tokens[role] = (await issueToken(role)).token;
});

async function documentedRoutes(): Promise<string[]> {
  const doc = await expectJson<{ paths: Record<string, Record<string, unknown>> }>(
    await call("GET", "/api/openapi.json", { token: null }),
    200,
  );
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/** Every endpoint the Hono app serves, documented or not (the OpenAPI document itself is not). */
function registeredRoutes(): string[] {
  const keys = createApp()
    .routes.filter((route) => route.method !== "ALL")
    .map((route) => `${route.method} ${route.path.replace(/\/:(\w+)/g, "/{$1}")}`);
  return [...new Set(keys)];
}

const roleRoutes = () =>
  Object.entries(ROUTE_ROLES).flatMap(([key, access]) => (isRole(access) ? [{ key, role: access }] : []));
const urlOf = (key: string) =>
  key.split(" ")[1]!.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE_PARAMS[name] ?? "x");
/** A malformed JSON body: a request the gate lets through stops at the body check, before any effect. */
const probe = (key: string, token: string) => {
  const method = key.split(" ")[0]!;
  const hasBody = ["POST", "PUT", "PATCH"].includes(method);
  return call(method, urlOf(key), { token, ...(hasBody ? { raw: "{", contentType: "application/json" } : {}) });
};

describe("the route table", () => {
  it("names every route the app serves and documents, and no other", async () => {
    const documented = await documentedRoutes();
    const registered = registeredRoutes();
    expect(registered).toEqual(expect.arrayContaining(documented));
    expect(Object.keys(ROUTE_ROLES).sort()).toEqual(registered.sort());
  });

  it("decides each route with a role or a named other way to authenticate", () => {
    for (const access of Object.values(ROUTE_ROLES))
      expect([...ROLES, "public", "signature", "link"]).toContain(access);
  });

  it("refuses a token one role too low with 403 on every route that needs a role", async () => {
    const checked = roleRoutes().filter(({ role }) => role !== "viewer");
    expect(checked.length).toBeGreaterThan(10);
    for (const { key, role } of checked) {
      const below = ROLES[ROLES.indexOf(role) - 1]!;
      const response = await probe(key, tokens[below]);
      expect(response.status, `${key} as ${below}`).toBe(403);
      expect((await expectProblem(response, 403, "forbidden")).detail).toContain(role);
    }
  });

  it("lets the minimum role past the gate on every route that needs a role", async () => {
    for (const { key, role } of roleRoutes()) {
      const response = await probe(key, tokens[role]);
      expect([401, 403, 500], `${key} as ${role}: ${await response.clone().text()}`).not.toContain(response.status);
    }
  });

  it("refuses a route it does not name to everyone, the break-glass admin included", async () => {
    const app = createApp();
    app.get("/api/unlisted", (c) => c.text("reached"));
    const request = new Request("http://waymark.test/api/unlisted", {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const problem = await expectProblem(await app.fetch(request, env, createExecutionContext()), 403, "forbidden");
    expect(problem.detail).toMatch(/no role decision/);
  });
});

describe("the role matrix through real routes", () => {
  const definitionFor = (name: string) => ({ ...longNap, name });
  const start = (workflow: string, role: Role) =>
    call("POST", `/api/workflows/${workflow}/runs`, { token: tokens[role], json: {} });
  const cancel = (runId: string, role: Role) => call("POST", `/api/runs/${runId}/cancel`, { token: tokens[role] });
  const save = (workflow: string, role: Role) =>
    call("PUT", `/api/workflows/${workflow}`, { token: tokens[role], json: definitionFor(`saved by ${role}`) });

  it("a viewer reads workflows and runs but starts, cancels and saves nothing", async () => {
    await saveWorkflow("roles-viewer", longNap);
    const run = (await expectJson<{ run: RunView }>(await start("roles-viewer", "admin"), 202)).run;
    await expectJson(await call("GET", "/api/workflows/roles-viewer", { token: tokens.viewer }), 200);
    await expectJson(await call("GET", `/api/runs/${run.id}`, { token: tokens.viewer }), 200);
    await expectJson(await call("GET", "/api/runs?workflow=roles-viewer", { token: tokens.viewer }), 200);
    await expectProblem(await start("roles-viewer", "viewer"), 403, "forbidden");
    await expectProblem(await cancel(run.id, "viewer"), 403, "forbidden");
    await expectProblem(await save("roles-viewer", "viewer"), 403, "forbidden");
  });

  it("an operator starts and cancels runs but saves no definition", async () => {
    await saveWorkflow("roles-operator", longNap);
    const run = (await expectJson<{ run: RunView }>(await start("roles-operator", "operator"), 202)).run;
    expect((await expectJson<{ run: RunView }>(await cancel(run.id, "operator"), 200)).run.status).toBe("cancelled");
    await expectProblem(await save("roles-operator", "operator"), 403, "forbidden");
    await expectProblem(
      await call("PATCH", "/api/workflows/roles-operator", { token: tokens.operator, json: { enabled: false } }),
      403,
      "forbidden",
    );
  });

  it("an editor saves, disables and archives definitions but manages no tokens, secrets or audit", async () => {
    await expectJson(await save("roles-editor", "editor"), 201);
    await expectJson(
      await call("PATCH", "/api/workflows/roles-editor", { token: tokens.editor, json: { enabled: false } }),
      200,
    );
    await expectJson(await call("DELETE", "/api/workflows/roles-editor", { token: tokens.editor }), 200);
    await expectProblem(
      await call("POST", "/api/tokens", { token: tokens.editor, json: { name: "escalate", role: "admin" } }),
      403,
      "forbidden",
    );
    await expectProblem(await call("GET", "/api/tokens", { token: tokens.editor }), 403, "forbidden");
    await expectProblem(
      await call("PUT", "/api/secrets/ROLES_EDITOR", { token: tokens.editor, json: { value: "x" } }),
      403,
      "forbidden",
    );
    await expectProblem(await call("GET", "/api/secrets", { token: tokens.editor }), 403, "forbidden");
    await expectProblem(await call("GET", "/api/audit", { token: tokens.editor }), 403, "forbidden");
  });

  it("an admin token does everything: tokens, secrets, audit, definitions and runs", async () => {
    await expectJson(await call("GET", "/api/tokens", { token: tokens.admin }), 200);
    await expectJson(
      await call("PUT", "/api/secrets/ROLES_ADMIN", { token: tokens.admin, json: { value: "s3cret" } }),
      201,
    );
    await expectJson(await call("GET", "/api/secrets", { token: tokens.admin }), 200);
    expect((await call("DELETE", "/api/secrets/ROLES_ADMIN", { token: tokens.admin })).status).toBe(204);
    await expectJson(await call("GET", "/api/audit", { token: tokens.admin }), 200);
    await expectJson(await save("roles-admin", "admin"), 201);
    const run = (await expectJson<{ run: RunView }>(await start("roles-admin", "admin"), 202)).run;
    await expectJson(await cancel(run.id, "admin"), 200);
  });
});
