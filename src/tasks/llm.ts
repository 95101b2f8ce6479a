// The llm step executor: one model call per attempt. Secrets (an apiKey, or any placeholder
// in the prompt) are plaintext only in here; the reply, the usage and any error are masked
// before they leave. With a `schema`, a reply that is not matching JSON is a retryable
// `invalid_output` that still reports the tokens it cost.
import { buildMessages } from "../ai/prompt";
import { chat, costOf, errorRecordOf, type ChatDeps } from "../ai/chat";
import { parseStructured } from "../ai/structured";
import type { Usage } from "../core/engine/run-state";
import type { TaskReport } from "../durable/run-commands";
import { maskSecrets, secretNamesIn, substituteSecrets } from "../security/secret-placeholders";
import { llmRequestSchema, parseModelRequest } from "./llm-request";
import type { TaskMessage } from "./task-message";

export interface ModelDeps extends ChatDeps {
  resolveSecret(name: string): Promise<string>;
}

export type ModelOutcome = TaskReport["outcome"];

export async function executeLlm(
  task: Pick<TaskMessage, "request" | "timeoutMs">,
  deps: ModelDeps,
): Promise<ModelOutcome> {
  let secretValues: string[] = [];
  try {
    const parsed = parseModelRequest(llmRequestSchema, task.request, "llm");
    const secrets = await resolveSecrets(secretNamesIn(parsed), deps);
    secretValues = Object.values(secrets);
    const request = substituteSecrets(parsed, secrets);
    const { messages, sources } = buildMessages(request);
    const json = request.schema !== undefined;
    const reply = await chat({ ...request, messages, json, timeoutMs: task.timeoutMs }, deps);
    const usage = usageOf(reply, request.pricing);
    const output: Record<string, unknown> = { text: reply.text, usage, model: reply.model };
    if (sources.length > 0) output.sources = sources;
    if (request.schema) {
      const structured = parseStructured(reply.text, request.schema);
      if (!structured.ok) return maskSecrets({ ok: false, error: structured.error, usage }, secretValues);
      output.json = structured.json;
    }
    return maskSecrets({ ok: true, output, usage }, secretValues);
  } catch (error) {
    return maskSecrets({ ok: false, error: errorRecordOf(error) }, secretValues);
  }
}

export function usageOf(
  reply: { inputTokens: number; outputTokens: number },
  pricing: { input: number; output: number } | undefined,
): Usage {
  const usage: Usage = { inputTokens: reply.inputTokens, outputTokens: reply.outputTokens };
  const cost = costOf(reply, pricing);
  if (cost !== undefined) usage.costUsd = cost;
  return usage;
}

export async function resolveSecrets(
  names: string[],
  deps: Pick<ModelDeps, "resolveSecret">,
): Promise<Record<string, string>> {
  const values = await Promise.all(names.map((name) => deps.resolveSecret(name)));
  return Object.fromEntries(names.map((name, index) => [name, values[index]!]));
}
