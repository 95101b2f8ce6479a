// The triage executor: asks the workflow's triage model what to do with a step that failed
// for good, in a fixed JSON shape. It only proposes: the run's engine decides whether the
// action is allowed (core/engine/triage.ts). Secrets are substituted into the triage's own
// apiKey and baseUrl only; in the failure shown to the model every placeholder reads ***.
import { chat, errorRecordOf } from "../ai/chat";
import { parseStructured } from "../ai/structured";
import { TRIAGE_ACTIONS } from "../core/definition/schema";
import { maskSecrets, secretNamesIn, substituteSecrets } from "../security/secret-placeholders";
import { resolveSecrets, usageOf, type ModelDeps, type ModelOutcome } from "./llm";
import { parseModelRequest, triageRequestSchema } from "./llm-request";
import type { TaskMessage } from "./task-message";

/** The one answer shape; `action` may be any triage action, so the engine can refuse one not allowed. */
const TRIAGE_ANSWER_SCHEMA = {
  type: "object",
  required: ["action", "reason"],
  properties: {
    action: { enum: [...TRIAGE_ACTIONS] },
    reason: { type: "string", minLength: 1 },
    retryAfter: { type: "number", minimum: 0, description: "retry only: seconds to wait first" },
  },
  additionalProperties: false,
} as const;

/** How much of the failure (as JSON) the model reads. */
const MAX_FAILURE_CHARS = 48 * 1024;

export async function executeTriage(
  task: Pick<TaskMessage, "request" | "timeoutMs">,
  deps: ModelDeps,
): Promise<ModelOutcome> {
  let secretValues: string[] = [];
  try {
    const request = parseModelRequest(triageRequestSchema, task.request, "triage");
    const connection = { apiKey: request.apiKey, baseUrl: request.baseUrl };
    const secrets = await resolveSecrets(secretNamesIn(connection), deps);
    secretValues = Object.values(secrets);
    const { apiKey, baseUrl } = substituteSecrets(connection, secrets);
    const messages = [
      { role: "system" as const, content: systemPrompt(request.allow) },
      { role: "user" as const, content: failureText(maskSecrets(request.failure, secretValues)) },
    ];
    const reply = await chat(
      {
        provider: request.provider,
        model: request.model,
        apiKey,
        baseUrl,
        messages,
        json: true,
        temperature: 0,
        timeoutMs: task.timeoutMs,
      },
      deps,
    );
    const usage = usageOf(reply, request.pricing);
    const answer = parseStructured(reply.text, TRIAGE_ANSWER_SCHEMA);
    if (!answer.ok)
      return maskSecrets(
        { ok: false, error: { ...answer.error, code: "invalid_answer", retryable: false }, usage },
        secretValues,
      );
    return maskSecrets({ ok: true, output: answer.json, usage }, secretValues);
  } catch (error) {
    return maskSecrets({ ok: false, error: errorRecordOf(error) }, secretValues);
  }
}

function systemPrompt(allow: string[]): string {
  return [
    "You triage a step of an automated workflow that failed for good after its retries.",
    `Choose exactly one action among those allowed: ${allow.join(", ")}.`,
    "retry: run the step again (set retryAfter in seconds if it should wait); skip: go on without it; fail: fail the run; escalate: ask a person.",
    `Answer with only this JSON and nothing else: {"action": "...", "reason": "one or two sentences", "retryAfter": seconds (optional)}. The JSON Schema: ${JSON.stringify(TRIAGE_ANSWER_SCHEMA)}`,
  ].join("\n");
}

function failureText(failure: unknown): string {
  const text = JSON.stringify(failure, null, 1);
  return text.length <= MAX_FAILURE_CHARS ? text : `${text.slice(0, MAX_FAILURE_CHARS)}… [truncated]`;
}
