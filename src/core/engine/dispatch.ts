// I/O steps (http, llm, retrieve): each attempt renders its request against the current
// scope, goes to the task queue as a TaskEffect, and is bounded by a deadline timer so a
// consumer that dies mid-task never strands the run.
import type { HttpStep, LlmStep, RetrieveStep } from "../definition/schema";
import { expectedStatuses } from "../definition/schema";
import { parseDuration } from "../duration";
import { toErrorRecord } from "../errors";
import { renderTemplate } from "../expr";
import { beginAttempt, patchStep, setTimer, type Draft } from "./draft";
import { failAttempt } from "./outcome";
import { buildScope, secretPlaceholders } from "./scope";

export type IoStep = HttpStep | LlmStep | RetrieveStep;

const DEFAULT_TIMEOUT_MS: Record<IoStep["type"], number> = { http: 30_000, llm: 120_000, retrieve: 30_000 };
// Fields every step has; the rest of an llm or retrieve step is its request.
const COMMON_FIELDS = new Set(["id", "type", "needs", "if", "retry", "timeout", "onError", "description"]);
// Data, not templates: a JSON Schema is passed through as written.
const LITERAL_FIELDS = new Set(["schema"]);

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
    idempotencyKey: `${runId}:${step.id}`,
    ...(step.type === "http" && expectedStatuses(step) ? { expect: expectedStatuses(step) } : {}),
  });
  setTimer(draft, { kind: "deadline", at: draft.now + timeoutMs, stepId: step.id, attempt });
}

async function renderRequest(draft: Draft, step: IoStep): Promise<unknown> {
  const scope = buildScope(draft.state, { secrets: secretPlaceholders(step) });
  const render = (value: unknown) => renderTemplate(value, scope, { now: draft.now });
  if (step.type === "http") {
    const rendered = (await render(step.request)) as Record<string, unknown>;
    const request: Record<string, unknown> = { method: rendered.method ?? "GET", url: rendered.url, headers: rendered.headers ?? {}, query: rendered.query ?? {} };
    if (rendered.body !== undefined) request.body = rendered.body;
    return request;
  }
  const request: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(step)) {
    if (!COMMON_FIELDS.has(field)) request[field] = LITERAL_FIELDS.has(field) ? value : await render(value);
  }
  return request;
}
