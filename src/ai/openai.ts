// Any OpenAI-compatible chat-completions endpoint (OpenAI, Azure-style proxies, vLLM,
// Ollama, LiteLLM, …): POST {baseUrl}/chat/completions. Statuses are classified as for
// http steps (408/425/429/5xx retryable, Retry-After honoured by the run's retry policy).
import { NonRetryableError, RetryableError } from "../core/errors";
import { readStatusError, USER_AGENT } from "../http/status-error";
import { readCappedBody, decodeText } from "../http/response-body";
import type { ChatDeps, ChatReply, ChatRequest } from "./chat-types";
import { ProviderFailure } from "./provider-failure";

const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";
const MAX_REPLY_BYTES = 10 * 1024 * 1024;

interface Completion {
  model?: unknown;
  choices?: { message?: { content?: unknown } }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
}

export async function callOpenAiCompatible(request: ChatRequest, deps: ChatDeps): Promise<ChatReply> {
  const url = completionsUrl(request.baseUrl ?? DEFAULT_OPENAI_BASE_URL);
  const signal = AbortSignal.timeout(request.timeoutMs);
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": USER_AGENT };
  if (request.apiKey) headers.authorization = `Bearer ${request.apiKey}`;
  const body: Record<string, unknown> = { model: request.model, messages: request.messages };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.json) body.response_format = { type: "json_object" };
  let response: Response;
  let text: string;
  try {
    const { fetch: send } = deps; // workerd's fetch refuses to run as a method of another object
    response = await send(new Request(url, { method: "POST", headers, body: JSON.stringify(body), signal }));
    if (!response.ok) {
      const record = await readStatusError(response, deps.now());
      throw new ProviderFailure({ ...record, message: `the model provider answered ${record.message}` });
    }
    const read = await readCappedBody(response, MAX_REPLY_BYTES);
    if (read.truncated)
      throw new NonRetryableError("output_too_large", `the provider's answer is larger than ${MAX_REPLY_BYTES} bytes`);
    text = decodeText(read.bytes, response.headers.get("content-type"));
  } catch (error) {
    throw classify(error, signal, request.timeoutMs);
  }
  return readCompletion(text, request.model, response.status);
}

function completionsUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(`${baseUrl.replace(/\/+$/, "")}/chat/completions`);
  } catch {
    throw new NonRetryableError("invalid_request", `baseUrl is not a valid URL: ${baseUrl}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new NonRetryableError("invalid_request", `baseUrl must be http or https, not ${url.protocol}`);
  return url.href;
}

function classify(error: unknown, signal: AbortSignal, timeoutMs: number): Error {
  if (error instanceof ProviderFailure || error instanceof NonRetryableError || error instanceof RetryableError)
    return error;
  if (signal.aborted) return new RetryableError("timed_out", `no answer from the model within ${timeoutMs} ms`);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return new RetryableError("network_error", `${error instanceof Error ? error.message : String(error)}${cause}`);
}

/** An answer without a message is the provider's fault, and may not recur: retryable. */
function readCompletion(text: string, requestedModel: string, status: number): ChatReply {
  let completion: Completion;
  try {
    completion = JSON.parse(text) as Completion;
  } catch {
    throw new RetryableError(
      "provider_error",
      `the provider answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`,
    );
  }
  const content = completion.choices?.[0]?.message?.content;
  if (typeof content !== "string")
    throw new RetryableError("provider_error", "the provider's answer has no choices[0].message.content");
  return {
    text: content,
    model: typeof completion.model === "string" ? completion.model : requestedModel,
    inputTokens: tokenCount(completion.usage?.prompt_tokens),
    outputTokens: tokenCount(completion.usage?.completion_tokens),
  };
}

function tokenCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}
