// Model calls for llm steps and failure triage: one chat request shape, one reply shape,
// and a provider per `provider` value. Providers turn every failure into a Retryable or
// NonRetryable error, so the executors can say what happens next.
import { NonRetryableError } from "../core/errors";
import { callOpenAiCompatible } from "./openai";
import { callWorkersAi, type AiBinding } from "./workers-ai";

export { errorRecordOf, ProviderFailure } from "./provider-failure";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatRequest {
  provider: "workers-ai" | "openai";
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  /** Ask for a JSON reply where the provider has a switch for it. */
  json: boolean;
  /** openai: the API root (default https://api.openai.com/v1) and the key, secrets substituted. */
  baseUrl?: string;
  apiKey?: string;
  timeoutMs: number;
}

export interface ChatReply {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
}

export interface ChatDeps {
  fetch: typeof fetch;
  now(): number;
  /** The Workers AI binding, when the deployment has one. */
  ai?: AiBinding;
}

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
