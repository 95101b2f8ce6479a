// The DSL's building blocks: identifiers, expressions and templates shared by the
// step, trigger and definition schemas. Plain strings here; validate.ts parses them.
import { z } from "zod";

const WORKFLOW_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const STEP_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export const workflowIdSchema = z
  .string()
  .regex(WORKFLOW_ID_PATTERN, {
    message: "expected a workflow id: lowercase letters, digits and dashes, at most 63 characters",
  })
  .meta({
    description: "Workflow id: lowercase letters, digits and dashes, starting with a letter or digit",
    examples: ["order-fulfilment"],
  });

export const stepIdSchema = z
  .string()
  .regex(STEP_ID_PATTERN, {
    message: "expected a step id: letters, digits, _ and -, starting with a letter or _, at most 64 characters",
  })
  .meta({ description: "Step id, unique within the workflow; other steps refer to it in `needs` and as steps.<id>" });

/** A JSONata expression written without braces. */
export const expressionSchema = z
  .string()
  .min(1, { message: "expected a JSONata expression, got an empty string" })
  .meta({ description: "A JSONata expression (no {{ }} braces)" });

/** Free text that may hold `{{ expr }}` placeholders. */
export const templateSchema = z
  .string()
  .meta({ description: "Text; {{ expr }} placeholders are evaluated as JSONata" });

export const LLM_PROVIDERS = ["workers-ai", "openai"] as const;
export const llmProviderSchema = z
  .enum(LLM_PROVIDERS)
  .meta({ description: "workers-ai (the AI binding) or openai (any OpenAI-compatible API at baseUrl)" });

/** Prices in USD per million tokens, for the cost of a model call (no price, no cost). */
export const llmPricingSchema = z
  .strictObject({
    input: z.number().min(0).meta({ description: "USD per million input (prompt) tokens" }),
    output: z.number().min(0).meta({ description: "USD per million output (completion) tokens" }),
  })
  .meta({ description: "Model prices; without them usage is counted in tokens and costUsd is null" });

/** A JSON Schema document, kept as data; validate.ts checks that it compiles. */
export const jsonSchemaObject = z
  .record(z.string(), z.unknown())
  .meta({ description: "A JSON Schema (draft 2020-12)" });
