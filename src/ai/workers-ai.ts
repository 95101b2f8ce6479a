// Workers AI through the optional `AI` binding. wrangler.toml does not bind it: `wrangler dev`
// would proxy every call to a Cloudflare account. Without the binding the step fails with
// `provider_unavailable` (see chat.ts); docs/definitions.md explains adding `[ai]` in production.
import { RetryableError } from "../core/errors";
import type { AiBinding, ChatReply, ChatRequest } from "./chat-types";

interface AiAnswer {
  response?: unknown;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
}

export async function callWorkersAi(request: ChatRequest, ai: AiBinding): Promise<ChatReply> {
  const inputs: Record<string, unknown> = { messages: request.messages };
  if (request.temperature !== undefined) inputs.temperature = request.temperature;
  if (request.maxTokens !== undefined) inputs.max_tokens = request.maxTokens;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new RetryableError("timed_out", `no answer from Workers AI within ${request.timeoutMs} ms`)),
      request.timeoutMs,
    );
  });
  let answer: AiAnswer;
  try {
    answer = (await Promise.race([ai.run(request.model, inputs), deadline])) as AiAnswer;
  } catch (error) {
    if (error instanceof RetryableError) throw error;
    // Capacity and internal errors pass; a bad model name fails every attempt, bounded by the policy.
    throw new RetryableError(
      "provider_error",
      `Workers AI failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    clearTimeout(timer);
  }
  const response = answer?.response;
  if (response === undefined || response === null)
    throw new RetryableError("provider_error", "Workers AI answered without a response");
  return {
    // In JSON mode some models hand back the parsed object.
    text: typeof response === "string" ? response : JSON.stringify(response),
    model: request.model,
    inputTokens: count(answer.usage?.prompt_tokens),
    outputTokens: count(answer.usage?.completion_tokens),
  };
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}
