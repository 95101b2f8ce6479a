// Model calls for llm steps and failure triage: one chat request shape, one reply shape,
// and a provider per `provider` value. Providers turn every failure into a Retryable or
// NonRetryable error, so the executors can say what happens next.
import { NonRetryableError } from "../core/errors";
import { callOpenAiCompatible } from "./openai";
import type { ChatDeps, ChatReply, ChatRequest } from "./chat-types";
import { callWorkersAi } from "./workers-ai";

export { errorRecordOf } from "./provider-failure";
export type { ChatDeps } from "./chat-types";

export async function chat(request: ChatRequest, deps: ChatDeps): Promise<ChatReply> {
  if (request.provider === "openai") return callOpenAiCompatible(request, deps);
  if (!deps.ai) {
    throw new NonRetryableError(
      "provider_unavailable",
      'the workers-ai provider needs the AI binding: add `[ai] binding = "AI"` to wrangler.toml (see docs/definitions.md, AI steps)',
    );
  }
  return callWorkersAi(request, deps.ai);
}

/** Prices are USD per million tokens. */
export function costOf(
  reply: Pick<ChatReply, "inputTokens" | "outputTokens">,
  pricing: { input: number; output: number } | undefined,
): number | undefined {
  if (!pricing) return undefined;
  return Math.round(((reply.inputTokens * pricing.input + reply.outputTokens * pricing.output) / 1e6) * 1e9) / 1e9;
}
