// The OpenAPI descriptions of the workflow routes (workflows.ts handles them).
import { createRoute, z } from "@hono/zod-openapi";
import { requireJsonBody } from "./request-body";
import { jsonContent, problems, workflowIdParam, workflowSchema } from "./schemas";

const definitionBody = {
  required: true,
  description: "A workflow definition (see /api/definition.schema.json), as JSON or YAML",
  content: {
    "application/json": { schema: z.record(z.string(), z.unknown()) },
    "application/yaml": { schema: z.string() },
  },
};

export const putWorkflow = createRoute({
  method: "put",
  path: "/api/workflows/{id}",
  tags: ["workflows"],
  summary: "Save a definition; a changed definition becomes a new version",
  middleware: [requireJsonBody({ allowYaml: true })] as const,
  request: { params: workflowIdParam, body: definitionBody },
  responses: {
    200: jsonContent(workflowSchema, "Unchanged"),
    201: jsonContent(workflowSchema, "New version"),
    ...problems,
  },
});

export const validateRoute = createRoute({
  method: "post",
  path: "/api/workflows/validate",
  tags: ["workflows"],
  summary: "Validate a definition without saving it",
  middleware: [requireJsonBody({ allowYaml: true })] as const,
  request: { body: definitionBody },
  responses: {
    200: jsonContent(
      z.object({ valid: z.boolean(), issues: z.array(z.object({ path: z.string(), message: z.string() })) }),
      "Validation result",
    ),
    ...problems,
  },
});

export const listRoute = createRoute({
  method: "get",
  path: "/api/workflows",
  tags: ["workflows"],
  summary: "List workflows",
  request: { query: z.object({ archived: z.enum(["true", "false"]).optional() }) },
  responses: { 200: jsonContent(z.object({ workflows: z.array(workflowSchema) }), "Workflows"), ...problems },
});

export const getRoute = createRoute({
  method: "get",
  path: "/api/workflows/{id}",
  tags: ["workflows"],
  summary: "A workflow with its current definition",
  request: { params: workflowIdParam },
  responses: { 200: jsonContent(workflowSchema, "The workflow"), ...problems },
});

export const versionsRoute = createRoute({
  method: "get",
  path: "/api/workflows/{id}/versions",
  tags: ["workflows"],
  summary: "Version history",
  request: { params: workflowIdParam },
  responses: {
    200: jsonContent(
      z.object({
        versions: z.array(
          z.object({ version: z.int(), hash: z.string(), createdAt: z.string(), createdBy: z.string().nullable() }),
        ),
      }),
      "Versions, newest first",
    ),
    ...problems,
  },
});

export const versionRoute = createRoute({
  method: "get",
  path: "/api/workflows/{id}/versions/{version}",
  tags: ["workflows"],
  summary: "One version's definition",
  request: {
    params: workflowIdParam.extend({
      version: z.coerce
        .number()
        .int()
        .min(1)
        .openapi({ param: { name: "version", in: "path" } }),
    }),
  },
  responses: {
    200: jsonContent(
      z.object({
        version: z.int(),
        hash: z.string(),
        createdAt: z.string(),
        definition: z.record(z.string(), z.unknown()),
      }),
      "The version",
    ),
    ...problems,
  },
});

export const patchRoute = createRoute({
  method: "patch",
  path: "/api/workflows/{id}",
  tags: ["workflows"],
  summary: "Enable or disable a workflow",
  middleware: [requireJsonBody()] as const,
  request: {
    params: workflowIdParam,
    body: { required: true, content: { "application/json": { schema: z.strictObject({ enabled: z.boolean() }) } } },
  },
  responses: { 200: jsonContent(workflowSchema, "The workflow"), ...problems },
});

export const deleteRoute = createRoute({
  method: "delete",
  path: "/api/workflows/{id}",
  tags: ["workflows"],
  summary: "Archive a workflow (runs and history stay)",
  request: { params: workflowIdParam },
  responses: { 200: jsonContent(workflowSchema, "The archived workflow"), ...problems },
});
