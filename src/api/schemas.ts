// Response and request shapes shared by the routes, for validation and the OpenAPI document.
import { z } from "@hono/zod-openapi";

const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: problemSchema } },
});

export const problems = {
  400: problem("Malformed request"),
  401: problem("Missing or invalid bearer token"),
  403: problem("The token's role does not allow this"),
  404: problem("Not found"),
  409: problem("Not possible in the current state"),
  413: problem("Body too large"),
  415: problem("Unsupported content type"),
  422: problem("Validation failed"),
} as const;

export const workflowIdParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "order-fulfilment" }),
});

export const runIdParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "run_01JD3X5Q8R9W4Y7Z2B6C0N1M5K" }),
});

/** Runs are large, free-form documents; the OpenAPI document describes their top level. */
export const runSchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    version: z.int(),
    status: z.string(),
    trigger: z.record(z.string(), z.unknown()),
    input: z.unknown(),
    output: z.unknown(),
    error: z.unknown(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    parent: z
      .object({ runId: z.string(), stepId: z.string() })
      .nullable()
      .optional()
      .openapi({ description: "The run and workflow step that started this run as a child" }),
    steps: z.array(z.record(z.string(), z.unknown())),
    usage: z
      .object({ inputTokens: z.int(), outputTokens: z.int(), costUsd: z.number().nullable() })
      .nullable()
      .optional()
      .openapi({ description: "Model tokens (and cost, when priced) the run's llm steps and triage used" }),
    storageBytes: z
      .int()
      .optional()
      .openapi({ description: "Bytes the run's Durable Object stores (GET /api/runs/{id})" }),
  })
  .openapi("Run");

export const workflowSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    version: z.int(),
    enabled: z.boolean(),
    archived: z.boolean(),
    webhookUrl: z.string().nullable(),
    triggers: z.array(z.record(z.string(), z.unknown())),
    definition: z.record(z.string(), z.unknown()).optional(),
    schedules: z
      .array(z.object({ schedule: z.string(), timezone: z.string(), next: z.array(z.string()) }))
      .optional()
      .openapi({ description: "Cron schedules with their next five fire times" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Workflow");

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
