// Routes anyone may call: health, the OpenAPI document and the definition JSON Schema.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { definitionJsonSchema } from "../core/definition/json-schema";
import type { AppEnv } from "./app-env";
import { jsonContent } from "./schemas";

const healthRoute = createRoute({
  method: "get",
  path: "/api/health",
  tags: ["meta"],
  summary: "Liveness and version",
  responses: { 200: jsonContent(z.object({ ok: z.boolean(), version: z.string() }), "Healthy") },
});

const definitionSchemaRoute = createRoute({
  method: "get",
  path: "/api/definition.schema.json",
  tags: ["meta"],
  summary: "JSON Schema of the definition format, for editors",
  responses: { 200: jsonContent(z.record(z.string(), z.unknown()), "JSON Schema (draft 2020-12)") },
});

export function registerMetaRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(healthRoute, (c) => c.json({ ok: true, version: c.env.WAYMARK_VERSION }, 200));
  app.openapi(definitionSchemaRoute, (c) => c.json(definitionJsonSchema() as Record<string, unknown>, 200));
  app.doc31("/api/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: "Waymark API",
      version: c.env.WAYMARK_VERSION,
      description: "Durable workflows on Cloudflare Workers",
    },
    servers: [{ url: new URL(c.req.url).origin }],
    security: [{ bearer: [] }],
  }));
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "A Waymark API token (wm_…)",
  });
}
