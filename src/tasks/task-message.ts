// The queue consumer's edge: every message on `waymark-tasks` is validated here before
// an executor sees it, and each executor validates its own `request` shape.
import { z } from "zod";
import { HTTP_METHODS } from "../core/definition/steps";

/** One attempt of one I/O step, as the run dispatched it (the engine's TaskEffect). */
export const taskMessageSchema = z.object({
  type: z.literal("dispatch"),
  runId: z.string().min(1),
  stepId: z.string().min(1),
  attempt: z.int().min(1),
  stepType: z.string().min(1),
  /** Validated by the executor for `stepType`. */
  request: z.unknown(),
  timeoutMs: z.int().positive(),
  idempotencyKey: z.string().min(1),
  /** Statuses that count as success for an http step; absent means any 2xx. */
  expect: z.array(z.int().min(100).max(599)).optional(),
});

export type TaskMessage = z.infer<typeof taskMessageSchema>;

/** What names a task's attempt, read from a message that is otherwise malformed. */
export const namedTaskSchema = taskMessageSchema.pick({ runId: true, stepId: true, attempt: true, stepType: true });

/** The rendered `request` of an http step (templates done, secrets still placeholders). */
export const httpRequestSpecSchema = z.object({
  method: z
    .string()
    .transform((method) => method.toUpperCase())
    .pipe(z.enum(HTTP_METHODS)),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  body: z.unknown().optional(),
});

export type HttpRequestSpec = z.infer<typeof httpRequestSpecSchema>;
