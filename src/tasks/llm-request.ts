// The rendered request of an llm step (and of a triage) as the consumer receives it:
// templates done, secrets still placeholders. A template that was exactly one `{{ expr }}`
// may have produced a non-string; text fields take its JSON text then.
import { z } from "zod";
import { LLM_PROVIDERS } from "../core/definition/fields";
import { NonRetryableError } from "../core/errors";

const text = z
  .unknown()
  .optional()
  .transform((value) =>
    value === undefined || value === null ? undefined : typeof value === "string" ? value : JSON.stringify(value),
  );
const pricing = z.object({ input: z.number().min(0), output: z.number().min(0) });

export const llmRequestSchema = z.object({
  provider: z.enum(LLM_PROVIDERS),
  model: z.string().min(1),
  baseUrl: text,
  apiKey: text,
  system: text,
  prompt: text,
  messages: z
    .array(z.object({ role: z.enum(["system", "user", "assistant"]), content: text.pipe(z.string()) }))
    .optional(),
  context: z.unknown().optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.int().min(1).optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
  pricing: pricing.optional(),
  repair: z.object({ reply: z.string(), problem: z.string() }).optional(),
});

export const triageRequestSchema = z.object({
  provider: z.enum(LLM_PROVIDERS),
  model: z.string().min(1),
  baseUrl: z.string().optional(),
  apiKey: z.string().optional(),
  pricing: pricing.optional(),
  allow: z.array(z.string()).min(1),
  failure: z.record(z.string(), z.unknown()),
});

/** The request, or a non-retryable `invalid_request` naming every problem. */
export function parseModelRequest<T>(schema: z.ZodType<T>, request: unknown, what: string): T {
  const parsed = schema.safeParse(request);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "request"}: ${issue.message}`);
  throw new NonRetryableError("invalid_request", `invalid ${what} request: ${problems.join("; ")}`);
}
