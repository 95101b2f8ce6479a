// The routes anyone may call: health, the OpenAPI document and the definition JSON Schema.
import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { orderIntake } from "../fixtures/workflows-api/order-intake";
import { call, expectJson } from "../support/workers/api";

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { summary?: string; responses?: Record<string, unknown> }>>;
}

/** Every route the Hono app serves, as `METHOD /openapi/{path}`. */
function servedRoutes(): string[] {
  const routes = createApp().routes.filter((route) => route.method !== "ALL");
  return [...new Set(routes.map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`))].sort();
}

function documentedRoutes(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

describe("health", () => {
  it("answers ok and the deployed version without a token", async () => {
    const body = await expectJson(await call("GET", "/api/health", { token: null }), 200);
    expect(body).toEqual({ ok: true, version: "0.1.0" });
  });
});

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 and served without a token", async () => {
    const doc = await expectJson<OpenApiDocument>(await call("GET", "/api/openapi.json", { token: null }), 200);
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
  });

  it("lists every route the app serves, each with a summary and responses", async () => {
    const doc = await expectJson<OpenApiDocument>(await call("GET", "/api/openapi.json", { token: null }), 200);
    const documented = documentedRoutes(doc);
    const served = servedRoutes().filter((route) => route !== "GET /api/openapi.json");
    expect(documented).toEqual(served);
    for (const operations of Object.values(doc.paths)) {
      for (const operation of Object.values(operations)) {
        expect(operation.summary).toBeTruthy();
        expect(Object.keys(operation.responses ?? {})).not.toHaveLength(0);
      }
    }
  });

  it("includes every API route implemented so far", async () => {
    const doc = await expectJson<OpenApiDocument>(await call("GET", "/api/openapi.json", { token: null }), 200);
    expect(documentedRoutes(doc)).toEqual(
      expect.arrayContaining([
        "GET /api/health",
        "GET /api/definition.schema.json",
        "PUT /api/workflows/{id}",
        "POST /api/workflows/validate",
        "GET /api/workflows",
        "GET /api/workflows/{id}",
        "PATCH /api/workflows/{id}",
        "DELETE /api/workflows/{id}",
        "GET /api/workflows/{id}/versions",
        "GET /api/workflows/{id}/versions/{version}",
        "POST /api/workflows/{id}/runs",
        "GET /api/runs",
        "GET /api/runs/{id}",
        "POST /api/runs/{id}/cancel",
        "POST /api/runs/{id}/retry",
        "POST /api/runs/{id}/rerun",
        "POST /api/runs/retry",
        "POST /api/runs/rerun",
        "PUT /api/secrets/{name}",
        "GET /api/secrets",
        "DELETE /api/secrets/{name}",
      ]),
    );
  });
});

describe("the definition JSON Schema", () => {
  async function fetchSchema() {
    return expectJson(await call("GET", "/api/definition.schema.json", { token: null }), 200);
  }

  it("is a draft 2020-12 schema requiring id, triggers and steps", async () => {
    const schema = await fetchSchema();
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.required).toEqual(expect.arrayContaining(["id", "triggers", "steps"]));
  });

  it("accepts a valid definition and rejects an unknown step type, as an editor would check", async () => {
    const validator = new Validator((await fetchSchema()) as never, "2020-12", false);
    expect(validator.validate({ id: "order-intake", ...orderIntake }).valid).toBe(true);
    const unknownType = { id: "x", triggers: [], steps: [{ id: "a", type: "teleport" }] };
    expect(validator.validate(unknownType).valid).toBe(false);
  });
});
