// The workflow definition DSL as zod schemas with their inferred types.
// Durations and expressions stay strings; the engine parses them. No defaults, no transforms.
import { z } from "zod";
import { durationSchema } from "../duration";
import { expressionSchema, llmPricingSchema, llmProviderSchema, jsonSchemaObject, workflowIdSchema } from "./fields";
import { stepSchema } from "./steps";
import { triggerSchema } from "./triggers";

export * from "./steps";
export * from "./triggers";

export const TRIAGE_ACTIONS = ["retry", "skip", "fail", "escalate"] as const;

const keyField = expressionSchema
  .optional()
  .meta({ description: "JSONata expression over `input`; limits apply per key" });

const triageSchema = z.strictObject({
  provider: llmProviderSchema,
  model: z.string().min(1),
  baseUrl: z
    .string()
    .optional()
    .meta({ description: "OpenAI-compatible API root (default https://api.openai.com/v1)" }),
  apiKey: z
    .string()
    .optional()
    .meta({ description: "Usually {{ secrets.NAME }}; no other placeholder is allowed here" }),
  allow: z.array(z.enum(TRIAGE_ACTIONS)).min(1).meta({ description: "Actions the model may propose" }),
  maxActions: z
    .int()
    .min(1)
    .optional()
    .meta({ description: "Most actions applied per run (each redrive gets a fresh budget); default 3" }),
  pricing: llmPricingSchema.optional(),
});

export const definitionSchema = z
  .strictObject({
    id: workflowIdSchema,
    name: z.string().optional().meta({ description: "Display name; defaults to id" }),
    description: z.string().optional(),
    triggers: z.array(triggerSchema).meta({ description: "How runs start; may be empty" }),
    input: jsonSchemaObject.optional().meta({ description: "JSON Schema (draft 2020-12) of the run input" }),
    concurrency: z
      .strictObject({ limit: z.int().min(1), key: keyField })
      .optional()
      .meta({ description: "Runs executing at once (per key); the rest queue FIFO" }),
    rateLimit: z
      .strictObject({ limit: z.int().min(1), period: durationSchema, key: keyField })
      .optional()
      .meta({ description: "Runs started per period (per key)" }),
    debounce: z
      .strictObject({ period: durationSchema, key: keyField })
      .optional()
      .meta({ description: "Start one run after a quiet period (per key)" }),
    timeout: durationSchema.optional().meta({ description: "Whole-run timeout" }),
    retention: durationSchema.optional().meta({ description: "How long run details are kept" }),
    steps: z.array(stepSchema).min(1, { message: "a workflow needs at least one step" }),
    onFailure: z.array(stepSchema).optional().meta({ description: "Steps run when the run fails" }),
    output: expressionSchema.optional().meta({ description: "JSONata expression giving the run output" }),
    triage: triageSchema.optional().meta({ description: "Let a model propose an action when a step fails for good" }),
  })
  .meta({ title: "Waymark workflow definition" });

export type Triage = z.infer<typeof triageSchema>;
export type Definition = z.infer<typeof definitionSchema>;
