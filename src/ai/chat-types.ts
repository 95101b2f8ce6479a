// One chat request shape and one reply shape for every provider: what the providers
// (openai.ts, workers-ai.ts) and their callers share, kept apart so neither imports the other.
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

/** The slice of the `Ai` binding Waymark uses (typed here: the generated Env has no AI). */
export interface AiBinding {
  run(model: string, inputs: Record<string, unknown>): Promise<unknown>;
}
