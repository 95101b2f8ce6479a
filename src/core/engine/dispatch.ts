// I/O steps (http, llm, retrieve): each attempt renders its request against the current
// scope and goes to the task queue as a TaskEffect. The shell keeps the task until a
// consumer claims it (re-sending it meanwhile); the claim starts the attempt's deadline
// timer, so a consumer that dies mid-task never strands the run (transition.ts).
import type { HttpStep, LlmStep, RetrieveStep } from "../definition/schema";
import { expectedStatuses } from "../definition/schema";
import { parseDuration } from "../duration";
import { toErrorRecord } from "../errors";
import { renderTemplate } from "../expr";
import { failAttempt } from "./attempt-failure";
import { beginAttempt, patchStep, type Draft } from "./draft";
import { expressionOptions, secretPlaceholders, stepScope } from "./scope";

export type IoStep = HttpStep | LlmStep | RetrieveStep;

const DEFAULT_TIMEOUT_MS: Record<IoStep["type"], number> = { http: 30_000, llm: 120_000, retrieve: 30_000 };
// Fields every step has; the rest of an llm or retrieve step is its request.
const COMMON_FIELDS = new Set(["id", "type", "needs", "if", "retry", "timeout", "onError", "description"]);
// Data, not templates: a JSON Schema and prices are passed through as written.
const LITERAL_FIELDS = new Set(["schema", "pricing"]);
/** An llm reply that did not parse or match its schema; the next attempt is told why. */
export const INVALID_OUTPUT = "invalid_output";
/** How much of the rejected reply the next attempt repeats to the model. */
const REPAIR_REPLY_CHARS = 4_000;

/** Starts the next attempt; a request that fails to render fails the step without retry. */
export async function dispatchAttempt(draft: Draft, step: IoStep): Promise<void> {
  const attempt = beginAttempt(draft, step.id);
  let request: unknown;
  try {
    request = await renderRequest(draft, step);
  } catch (error) {
    return failAttempt(draft, step, { ...toErrorRecord(error), retryable: false });
  }
  const timeoutMs = step.timeout === undefined ? DEFAULT_TIMEOUT_MS[step.type] : parseDuration(step.timeout);
  const runId = draft.state.id;
  patchStep(draft, step.id, { input: request });
  draft.effects.push({
    type: "dispatch",
    runId,
    stepId: step.id,
    attempt,
    stepType: step.type,
    request,
    timeoutMs,
    idempotencyKey: idempotencyKey(draft, step.id),
    ...(step.type === "http" && expectedStatuses(step) ? { expect: expectedStatuses(step) } : {}),
  });
}

/** The task's Idempotency-Key, the same on every attempt: `<runId>:<stepId>`, `<runId>:<stepId>:<index>` for a map item. */
function idempotencyKey(draft: Draft, stepId: string): string {
  const item = draft.state.steps[stepId]?.item;
  return item ? `${draft.state.id}:${item.map}:${item.index}` : `${draft.state.id}:${stepId}`;
}

async function renderRequest(draft: Draft, step: IoStep): Promise<unknown> {
  const scope = stepScope(draft.state, step.id, { secrets: secretPlaceholders(step) });
  const render = (value: unknown) => renderTemplate(value, scope, expressionOptions(draft, step.id));
  if (step.type === "http") {
    const rendered = (await render(step.request)) as Record<string, unknown>;
    const request: Record<string, unknown> = {
      method: rendered.method ?? "GET",
      url: rendered.url,
      headers: rendered.headers ?? {},
      query: rendered.query ?? {},
    };
    if (rendered.body !== undefined) request.body = rendered.body;
    return request;
  }
  // Every templated field in one render, so they draw from one `$random` stream.
  const templated = Object.entries(step).filter(([field]) => !COMMON_FIELDS.has(field) && !LITERAL_FIELDS.has(field));
  const rendered = (await render(Object.fromEntries(templated))) as Record<string, unknown>;
  const request: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(step)) {
    if (!COMMON_FIELDS.has(field)) request[field] = LITERAL_FIELDS.has(field) ? value : rendered[field];
  }
  if (step.type === "llm") {
    const repair = repairOf(draft, step.id);
    if (repair) request.repair = repair;
  }
  return request;
}

/**
 * When the previous attempt's reply was invalid, the request carries that reply and what
 * was wrong with it, so the model can correct itself (the consumer adds both as messages).
 */
function repairOf(draft: Draft, stepId: string): { reply: string; problem: string } | undefined {
  const previous = draft.state.steps[stepId]!.attempts.at(-2);
  const error = previous?.error;
  if (error?.code !== INVALID_OUTPUT) return undefined;
  const body = error.response?.body;
  const reply = typeof body === "string" ? body : JSON.stringify(body ?? "");
  return { reply: reply.slice(0, REPAIR_REPLY_CHARS), problem: error.message };
}
