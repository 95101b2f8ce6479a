// The llm step through the real consumer: an OpenAI-compatible endpoint answered by
// a fetch spy (no server, no network), and Workers AI through a fake `AI` binding. Structured
// output is parsed and validated; an invalid reply is retried with the model told what was
// wrong; 429 honours Retry-After; usage reaches the attempt, the run and the run index.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { call, saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { readRun, readTimers, startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";
import { answerFetch, deliver, jsonResponse } from "../support/workers/tasks";
import { uniqueName } from "../support/workers/tokens";

const CLASSIFY = uniqueName("llm-classify");
const WORKERS_AI = uniqueName("llm-workers-ai");
const API_KEY = "sk-test-llm-secret-0123456789";
const SECRET = `LLM_KEY_${crypto.randomUUID().slice(0, 8).toUpperCase()}`;

const schema = {
  type: "object",
  required: ["category", "urgent"],
  properties: { category: { enum: ["billing", "bug", "other"] }, urgent: { type: "boolean" } },
  additionalProperties: false,
};
const classify = {
  id: CLASSIFY,
  triggers: [{ type: "api" }],
  steps: [
    {
      id: "classify",
      type: "llm",
      provider: "openai",
      baseUrl: "https://llm.example/v1",
      apiKey: `{{ secrets.${SECRET} }}`,
      model: "gpt-test",
      system: "You sort support tickets.",
      prompt: "Ticket: {{ input.text }}",
      temperature: 0,
      maxTokens: 200,
      schema,
      pricing: { input: 0.5, output: 1.5 },
      retry: { attempts: 3, delay: "1s", jitter: false },
    },
  ],
  output: "steps.classify.output.json",
};
const completion = (content: string, usage = { prompt_tokens: 40, completion_tokens: 10 }) =>
  jsonResponse({
    id: "c1",
    model: "gpt-test-2026",
    choices: [{ index: 0, message: { role: "assistant", content } }],
    usage,
  });
interface ChatBody {
  messages: { role: string; content: string }[];
  [key: string]: unknown;
}
/** Answers the model's calls in turn with `replies` (the last one repeats), keeping each request and its body. */
function answerModel(...replies: (() => Response | Promise<Response>)[]) {
  const calls: { request: Request; body: ChatBody }[] = [];
  answerFetch(async (request) => {
    calls.push({ request, body: (await request.clone().json()) as ChatBody });
    return replies[Math.min(calls.length, replies.length) - 1]!();
  });
  return calls;
}

beforeAll(async () => {
  await saveWorkflow(CLASSIFY, classify);
  const put = await call("PUT", `/api/secrets/${SECRET}`, { json: { value: API_KEY } });
  expect([200, 201]).toContain(put.status);
  await saveWorkflow(WORKERS_AI, {
    id: WORKERS_AI,
    triggers: [],
    steps: [
      {
        id: "summarise",
        type: "llm",
        provider: "workers-ai",
        model: "@cf/meta/llama-3.1-8b-instruct",
        prompt: "Summarise {{ input.text }}",
      },
    ],
  });
});
beforeEach(() => void freezeClock());
afterEach(() => {
  restoreClock();
  vi.restoreAllMocks();
});

describe("an llm step against an OpenAI-compatible endpoint", () => {
  it("sends the chat request with the key, and a valid reply becomes {text, json, usage, model}", async () => {
    const run = await startRecordedRun(CLASSIFY, { text: "I was charged twice" });
    const calls = answerModel(() => completion('{"category":"billing","urgent":true}'));
    await deliver(run.dispatched);
    const { request, body } = calls[0]!;
    expect(request.url).toBe("https://llm.example/v1/chat/completions");
    expect(request.headers.get("authorization")).toBe(`Bearer ${API_KEY}`);
    expect(body).toMatchObject({
      model: "gpt-test",
      temperature: 0,
      max_tokens: 200,
      response_format: { type: "json_object" },
    });
    expect(body.messages[0]).toMatchObject({
      role: "system",
      content: expect.stringContaining("You sort support tickets."),
    });
    expect(body.messages[0]!.content).toContain('"enum":["billing","bug","other"]');
    expect(body.messages.at(-1)).toEqual({ role: "user", content: "Ticket: I was charged twice" });
    const view = await readRun(run.runId);
    expect(view.status).toBe("succeeded");
    expect(view.output).toEqual({ category: "billing", urgent: true });
    const usage = { inputTokens: 40, outputTokens: 10, costUsd: 0.000035 };
    expect(view.steps[0]!.output).toEqual({
      text: '{"category":"billing","urgent":true}',
      json: { category: "billing", urgent: true },
      usage,
      model: "gpt-test-2026",
    });
    expect(view.steps[0]!.attempts[0]).toMatchObject({
      status: "succeeded",
      usage: { inputTokens: 40, outputTokens: 10, costUsd: 0.000035 },
    });
    expect(view.usage).toEqual(usage);
    expect(JSON.stringify(view)).not.toContain(API_KEY);
  });

  it("an invalid reply is retried, and the retry shows the model its reply and what was wrong", async () => {
    const run = await startRecordedRun(CLASSIFY, { text: "app crashes" });
    const calls = answerModel(
      () => completion('{"category":"crash"}'),
      () => completion('```json\n{"category":"bug","urgent":false}\n```', { prompt_tokens: 60, completion_tokens: 12 }),
    );
    await deliver(run.dispatched);
    const step = (await readRun(run.runId)).steps[0]!;
    expect(step.status).toBe("retrying");
    expect(step.attempts[0]!.error).toMatchObject({
      code: "invalid_output",
      retryable: true,
      message: expect.stringContaining("does not match the schema"),
    });
    expect(step.attempts[0]!.error!.message).toMatch(/category/);
    expect(step.attempts[0]!.usage).toEqual({ inputTokens: 40, outputTokens: 10, costUsd: 0.000035 });
    advanceClock(1_000);
    await runDurableObjectAlarm(run.stub);
    await deliver(run.dispatched.slice(1));
    const { body } = calls[1]!;
    expect(body.messages.at(-2)).toEqual({ role: "assistant", content: '{"category":"crash"}' });
    expect(body.messages.at(-1)!.content).toMatch(
      /^Your previous reply was invalid: the reply does not match the schema: .*category.*Answer again with only JSON matching the schema\.$/s,
    );
    const view = await readRun(run.runId);
    expect(view.status).toBe("succeeded");
    expect(view.output).toEqual({ category: "bug", urgent: false });
    expect(view.usage).toEqual({ inputTokens: 100, outputTokens: 22, costUsd: 0.000083 });
    await waitForOutboxFlush(run.runId);
    const row = await env.DB.prepare("SELECT input_tokens, output_tokens, cost_usd FROM runs WHERE id = ?")
      .bind(run.runId)
      .first();
    expect(row).toEqual({ input_tokens: 100, output_tokens: 22, cost_usd: 0.000083 });
  });

  it("a reply that is never JSON fails the step with invalid_output after its attempts", async () => {
    const run = await startRecordedRun(CLASSIFY, { text: "?" });
    answerFetch(() => completion("I'd be happy to help! This looks like billing."));
    for (let attempt = 1; attempt <= 3; attempt++) {
      await deliver(run.dispatched.slice(attempt - 1));
      if (attempt < 3) {
        advanceClock(10_000);
        await runDurableObjectAlarm(run.stub);
      }
    }
    const view = await readRun(run.runId);
    expect(view.status).toBe("failed");
    expect(view.error).toMatchObject({
      stepId: "classify",
      code: "invalid_output",
      message: expect.stringContaining("not JSON"),
    });
    expect(view.steps[0]!.attempts.map((attempt) => attempt.status)).toEqual(["failed", "failed", "failed"]);
  });

  it("429 with Retry-After is retried no sooner than the provider asked", async () => {
    const run = await startRecordedRun(CLASSIFY, { text: "x" });
    const now = Date.now();
    answerFetch(() => jsonResponse({ error: { message: "rate limited" } }, 429, { "retry-after": "7" }));
    await deliver(run.dispatched);
    const step = (await readRun(run.runId)).steps[0]!;
    expect(step.status).toBe("retrying");
    expect(step.attempts[0]!.error).toMatchObject({
      code: "http_status",
      httpStatus: 429,
      retryable: true,
      retryAfterMs: 7_000,
      response: { status: 429, body: { error: { message: "rate limited" } } },
    });
    expect(await readTimers(run.runId)).toEqual({ "retry:classify": now + 7_000 });
  });

  it("a provider that does not answer in time is a retryable timed_out", async () => {
    const run = await startRecordedRun(CLASSIFY, { text: "x" });
    answerFetch(
      (request) =>
        new Promise((_resolve, reject) =>
          request.signal.addEventListener("abort", () => reject(request.signal.reason)),
        ),
    );
    await deliver([{ ...run.dispatched[0]!, timeoutMs: 50 }]);
    const step = (await readRun(run.runId)).steps[0]!;
    expect(step.attempts[0]!.error).toMatchObject({ code: "timed_out", retryable: true });
    expect(step.status).toBe("retrying");
  });

  it("401 from the provider is not retried, and the key never shows in what is recorded", async () => {
    const run = await startRecordedRun(CLASSIFY, { text: "x" });
    answerFetch(() => jsonResponse({ error: `bad key ${API_KEY}` }, 401));
    await deliver(run.dispatched);
    const view = await readRun(run.runId);
    expect(view.status).toBe("failed");
    expect(view.error).toMatchObject({ code: "http_status", httpStatus: 401, retryable: false });
    expect(JSON.stringify(view)).not.toContain(API_KEY);
    expect(JSON.stringify(view)).toContain("bad key ***");
  });
});

describe("an llm step on Workers AI", () => {
  it("uses the AI binding when it is bound", async () => {
    const run = await startRecordedRun(WORKERS_AI, { text: "a long story" });
    const ai = {
      run: vi.fn(async () => ({ response: "A story.", usage: { prompt_tokens: 12, completion_tokens: 3 } })),
    };
    await deliver(run.dispatched, { env: { ...env, AI: ai } as Env });
    expect(ai.run).toHaveBeenCalledWith("@cf/meta/llama-3.1-8b-instruct", {
      messages: [{ role: "user", content: "Summarise a long story" }],
    });
    const view = await readRun(run.runId);
    expect(view.status).toBe("succeeded");
    expect(view.steps[0]!.output).toEqual({
      text: "A story.",
      usage: { inputTokens: 12, outputTokens: 3 },
      model: "@cf/meta/llama-3.1-8b-instruct",
    });
    expect(view.usage).toEqual({ inputTokens: 12, outputTokens: 3, costUsd: null });
  });

  it("fails with provider_unavailable, not retried, when the AI binding is not bound", async () => {
    const run = await startRecordedRun(WORKERS_AI, { text: "x" });
    await deliver(run.dispatched);
    const view = await readRun(run.runId);
    expect(view.status).toBe("failed");
    expect(view.error).toMatchObject({
      code: "provider_unavailable",
      retryable: false,
      message: expect.stringContaining("[ai]"),
    });
  });
});
