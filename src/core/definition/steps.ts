// The nine step types (docs/definitions.md). Each type's own fields are a shape used twice: for a
// top-level step and for the inline step of a `map` (no `needs`, optional `id`).
import { z } from "zod";
import { durationSchema, positiveDurationSchema } from "../duration";
import { retryPolicySchema } from "../retry";
import {
  expressionSchema,
  jsonSchemaObject,
  llmPricingSchema,
  llmProviderSchema,
  stepIdSchema,
  templateSchema,
  workflowIdSchema,
} from "./fields";

export const STEP_TYPES = [
  "http",
  "transform",
  "sleep",
  "approval",
  "wait",
  "map",
  "workflow",
  "llm",
  "retrieve",
] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** Step types whose work runs on the task queue rather than inside the run. */
export const IO_STEP_TYPES = ["http", "llm", "retrieve"] as const;
export type IoStepType = (typeof IO_STEP_TYPES)[number];

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
const statusCode = z.int().min(100).max(599);

const httpRequestSchema = z.strictObject({
  method: z.enum(HTTP_METHODS).optional().meta({ description: "Default GET" }),
  url: templateSchema.meta({ description: "Absolute URL; may hold {{ }} templates" }),
  headers: z.record(z.string(), z.string()).optional(),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  body: z.unknown().optional().meta({ description: "JSON body; strings inside may hold {{ }} templates" }),
});

const httpShape = {
  type: z.literal("http"),
  request: httpRequestSchema,
  expect: z
    .union([z.array(statusCode), z.strictObject({ status: z.array(statusCode) })])
    .optional()
    .meta({ description: "Accepted status codes (default: any 2xx)", examples: [[200, 404]] }),
};
const transformShape = { type: z.literal("transform"), expr: expressionSchema };
const sleepShape = {
  type: z.literal("sleep"),
  duration: durationSchema.optional(),
  until: expressionSchema.optional().meta({ description: "JSONata expression giving an ISO time" }),
};
const approvalShape = {
  type: z.literal("approval"),
  approvers: z.array(z.string()).optional().meta({ description: "Roles or token names allowed to decide" }),
  onTimeout: z.enum(["reject", "approve", "fail"]).optional(),
  notify: httpRequestSchema.optional().meta({
    description:
      "An HTTP request sent when the step starts waiting (default method POST); `approval.approveUrl`, `approval.rejectUrl` and `approval.expiresAt` are in scope",
  }),
};
const waitShape = {
  type: z.literal("wait"),
  event: z.string().min(1).meta({ description: "Name of the event to wait for" }),
  match: expressionSchema.optional().meta({ description: "JSONata condition on `event`" }),
  lookback: durationSchema
    .optional()
    .meta({ description: "Also accept events that arrived this long before the step started" }),
};
const workflowShape = {
  type: z.literal("workflow"),
  workflow: workflowIdSchema,
  version: z.int().min(1).optional().meta({ description: "Child definition version (default: latest)" }),
  input: z.unknown().optional().meta({ description: "Child run input; strings may hold {{ }} templates" }),
};
const llmMessageSchema = z.strictObject({ role: z.enum(["system", "user", "assistant"]), content: templateSchema });
const llmShape = {
  type: z.literal("llm"),
  provider: llmProviderSchema,
  model: z.string().min(1),
  baseUrl: templateSchema.optional(),
  apiKey: templateSchema.optional().meta({ description: "Usually {{ secrets.NAME }}" }),
  system: templateSchema.optional(),
  prompt: templateSchema.optional(),
  messages: z.array(llmMessageSchema).optional(),
  context: templateSchema
    .optional()
    .meta({ description: "Grounding passages (e.g. {{ steps.find.output }}); the model is asked to cite them as [n]" }),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.int().min(1).optional(),
  schema: jsonSchemaObject.optional().meta({ description: "JSON Schema the reply must satisfy (parsed as JSON)" }),
  pricing: llmPricingSchema.optional(),
};
const retrieveShape = {
  type: z.literal("retrieve"),
  collection: z.string().min(1),
  query: templateSchema,
  limit: z.int().min(1).max(50).optional().meta({ description: "Default 5" }),
};

const behaviourFields = {
  if: expressionSchema.optional().meta({ description: "Run only when this JSONata condition is true" }),
  retry: retryPolicySchema.optional(),
  // A zero deadline would fail every attempt the moment it is taken.
  timeout: positiveDurationSchema.optional(),
  onError: z.enum(["fail", "continue"]).optional().meta({ description: "Default fail" }),
  description: z.string().optional(),
};
const stepFields = {
  id: stepIdSchema,
  needs: z.array(z.string()).optional().meta({ description: "Steps that must finish first" }),
  ...behaviourFields,
};
const inlineFields = { id: stepIdSchema.optional().meta({ description: "Default item" }), ...behaviourFields };

function oneOfSleepFields(step: { duration?: string; until?: string }, ctx: z.RefinementCtx): void {
  if ((step.duration === undefined) === (step.until === undefined)) {
    ctx.addIssue({ code: "custom", path: [], message: "a sleep step needs exactly one of duration or until" });
  }
}
function promptOrMessages(step: { prompt?: string; messages?: unknown[] }, ctx: z.RefinementCtx): void {
  if (step.prompt === undefined && step.messages === undefined) {
    ctx.addIssue({ code: "custom", path: [], message: "an llm step needs a prompt or messages" });
  }
}

const httpStepSchema = z.strictObject({ ...stepFields, ...httpShape });
const transformStepSchema = z.strictObject({ ...stepFields, ...transformShape });
const sleepStepSchema = z.strictObject({ ...stepFields, ...sleepShape }).superRefine(oneOfSleepFields);
const approvalStepSchema = z.strictObject({ ...stepFields, ...approvalShape });
const waitStepSchema = z.strictObject({ ...stepFields, ...waitShape });
const workflowStepSchema = z.strictObject({ ...stepFields, ...workflowShape });
const llmStepSchema = z.strictObject({ ...stepFields, ...llmShape }).superRefine(promptOrMessages);
const retrieveStepSchema = z.strictObject({ ...stepFields, ...retrieveShape });

/** The step a `map` runs per item: any type but `map`, no `needs`, `id` optional. */
const inlineStepSchema = z.discriminatedUnion("type", [
  z.strictObject({ ...inlineFields, ...httpShape }),
  z.strictObject({ ...inlineFields, ...transformShape }),
  z.strictObject({ ...inlineFields, ...sleepShape }).superRefine(oneOfSleepFields),
  z.strictObject({ ...inlineFields, ...approvalShape }),
  z.strictObject({ ...inlineFields, ...waitShape }),
  z.strictObject({ ...inlineFields, ...workflowShape }),
  z.strictObject({ ...inlineFields, ...llmShape }).superRefine(promptOrMessages),
  z.strictObject({ ...inlineFields, ...retrieveShape }),
]);

const mapStepSchema = z.strictObject({
  ...stepFields,
  type: z.literal("map"),
  items: expressionSchema.meta({ description: "JSONata expression giving the array to map over" }),
  step: inlineStepSchema,
  concurrency: z.int().min(1).max(1000).optional().meta({ description: "Items running at once" }),
});

export const stepSchema = z.discriminatedUnion("type", [
  httpStepSchema,
  transformStepSchema,
  sleepStepSchema,
  approvalStepSchema,
  waitStepSchema,
  mapStepSchema,
  workflowStepSchema,
  llmStepSchema,
  retrieveStepSchema,
]);

export type HttpStep = z.infer<typeof httpStepSchema>;
export type TransformStep = z.infer<typeof transformStepSchema>;
export type SleepStep = z.infer<typeof sleepStepSchema>;
export type ApprovalStep = z.infer<typeof approvalStepSchema>;
export type WaitStep = z.infer<typeof waitStepSchema>;
export type MapStep = z.infer<typeof mapStepSchema>;
export type WorkflowStep = z.infer<typeof workflowStepSchema>;
export type LlmStep = z.infer<typeof llmStepSchema>;
export type RetrieveStep = z.infer<typeof retrieveStepSchema>;
export type Step = z.infer<typeof stepSchema>;

/** True for steps dispatched to the task queue (http, llm, retrieve). */
export function isIoStep<S extends { type: string }>(step: S): step is S & { type: IoStepType } {
  return (IO_STEP_TYPES as readonly string[]).includes(step.type);
}

/** An http step's accepted statuses, whichever form `expect` was written in; undefined = any 2xx. */
export function expectedStatuses(step: Pick<HttpStep, "expect">): number[] | undefined {
  if (step.expect === undefined) return undefined;
  return Array.isArray(step.expect) ? step.expect : step.expect.status;
}
