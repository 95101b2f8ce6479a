// AI steps on the real stack, against a scripted OpenAI-compatible server on
// 127.0.0.1: the two example flows — a support-ticket classifier that routes by the model's
// structured answer, and a policy question answered from the knowledge store with
// citations and a person's approval — plus an invalid reply corrected on retry, 429 with
// Retry-After, and a model that does not answer in time.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { MockModel } from "../support/mock-model";
import { useReceiver, useStack } from "../support/stack";
import { stepOf } from "../support/waymark-client";

const stack = useStack("ai");
const receiver = useReceiver();
const api = () => stack.current.api;
let model: MockModel;

const API_KEY = "sk-e2e-0123456789abcdef";

/** An example flow, its mock-SaaS URLs pointed at the receiver and its model at the mock model. */
function example(
  name: string,
  changes: (definition: Record<string, unknown>) => void = () => undefined,
): Record<string, unknown> {
  const text = readFileSync(path.resolve(import.meta.dirname, `../../examples/${name}.yaml`), "utf8")
    .replaceAll("http://127.0.0.1:8788/v1", model.url)
    .replaceAll("http://127.0.0.1:8788", `${receiver.current.url}/ok`);
  const definition = parse(text) as Record<string, unknown>;
  changes(definition);
  return definition;
}
const ticket = (n: number, text: string) => ({ ticket: `T-${n}`, customer: "ada@example.com", text });

beforeAll(async () => {
  model = await MockModel.start();
  expect((await api().request("PUT", "/api/secrets/OPENAI_API_KEY", { value: API_KEY })).status).toBe(201);
  await api().putWorkflow(example("support-ticket-classifier") as { id: string });
  // The same flow with a short attempt deadline, for the model that never answers.
  await api().putWorkflow(
    example("support-ticket-classifier", (definition) => {
      definition.id = "ticket-classifier-impatient";
      (definition.steps as Record<string, unknown>[])[0]!.timeout = "2s";
    }) as { id: string },
  );
  await api().putWorkflow(example("policy-answer") as { id: string });
  const policies = {
    refunds:
      "Refunds. Customers may ask for a refund within 30 days of purchase; refunds go back to the original card within five business days.",
    travel:
      "Travel. Book economy class for flights under six hours. Hotel costs are reimbursed up to 150 EUR per night.",
    security: "Security. Report a lost laptop to security@example.com within one hour.",
  };
  for (const [docId, text] of Object.entries(policies))
    expect((await api().request("PUT", `/api/knowledge/policies/${docId}`, { text })).status).toBe(201);
});
afterAll(async () => {
  await model?.close();
});

describe("the support-ticket classifier", () => {
  it("routes by the model's structured answer and counts the tokens", async () => {
    model.script = () => MockModel.json({ category: "bug", urgent: false, summary: "App crashes on login" });
    const { id } = await api().startRun("support-ticket-classifier", ticket(1, "The app crashes when I log in"));
    const run = await api().waitForFinish(id);
    expect(run.status).toBe("succeeded");
    expect(run.output).toEqual({ category: "bug", urgent: false, routedTo: ["engineering"] });
    expect(run.steps.map((step) => [step.id, step.status])).toEqual([
      ["classify", "succeeded"],
      ["billing", "skipped"],
      ["engineering", "succeeded"],
      ["general", "skipped"],
      ["page", "skipped"],
    ]);
    expect(model.calls.at(-1)!.authorization).toBe(`Bearer ${API_KEY}`);
    expect(receiver.current.requestsTo("/ok/helpdesk/queues/engineering").at(-1)!.body).toEqual({
      ticket: "T-1",
      summary: "App crashes on login",
    });
    expect((run as unknown as { usage: unknown }).usage).toEqual({
      inputTokens: 100,
      outputTokens: 20,
      costUsd: 0.000027,
    });
  });

  it("an invalid reply is retried with what was wrong, and the corrected answer routes", async () => {
    const first = model.calls.length;
    model.script = (_call, calls) =>
      calls.length === first + 1
        ? { content: 'Sure! {"category": "invoice"}' }
        : MockModel.json({ category: "billing", urgent: true, summary: "Charged twice" });
    const { id } = await api().startRun("support-ticket-classifier", ticket(2, "I was charged twice!!"));
    const run = await api().waitForFinish(id);
    expect(run.status).toBe("succeeded");
    expect(run.output).toEqual({ category: "billing", urgent: true, routedTo: ["billing"] });
    expect(stepOf(run, "page").status).toBe("succeeded");
    expect(stepOf(run, "classify").attempts.map((attempt) => attempt.error?.code ?? attempt.status)).toEqual([
      "invalid_output",
      "succeeded",
    ]);
    const retry = model.calls[first + 1]!.messages;
    expect(retry.at(-2)).toEqual({ role: "assistant", content: 'Sure! {"category": "invoice"}' });
    expect(retry.at(-1)!.content).toMatch(/^Your previous reply was invalid: the reply is not JSON/);
  });

  it("429 with Retry-After: the next attempt waits at least that long", async () => {
    const first = model.calls.length;
    model.script = (_call, calls) =>
      calls.length === first + 1
        ? { status: 429, retryAfter: "2" }
        : MockModel.json({ category: "other", urgent: false, summary: "Hello" });
    const { id } = await api().startRun("support-ticket-classifier", ticket(3, "Hello there"));
    const run = await api().waitForFinish(id);
    expect(run.status).toBe("succeeded");
    expect(stepOf(run, "classify").attempts[0]!.error).toMatchObject({
      code: "http_status",
      httpStatus: 429,
      retryAfterMs: 2_000,
    });
    expect(model.calls[first + 1]!.arrivedAt - model.calls[first]!.arrivedAt).toBeGreaterThanOrEqual(1_900);
  });

  it("a model that does not answer in time: the attempt times out and the next one succeeds", async () => {
    const first = model.calls.length;
    model.script = (_call, calls) =>
      calls.length === first + 1
        ? { hang: true }
        : MockModel.json({ category: "feature", urgent: false, summary: "Dark mode" });
    const { id } = await api().startRun("ticket-classifier-impatient", ticket(4, "Please add dark mode"));
    const run = await api().waitForFinish(id);
    expect(run.status).toBe("succeeded");
    expect(run.output).toMatchObject({ category: "feature", routedTo: ["general"] });
    expect(stepOf(run, "classify").attempts[0]!.error).toMatchObject({ code: "timed_out", retryable: true });
  });
});

describe("a policy question answered from the knowledge store", () => {
  it("retrieves passages, answers citing them, waits for a person, then sends the approved answer", async () => {
    model.script = (call) => {
      const system = call.messages[0]!.content;
      return MockModel.json({
        answer: system.includes("within 30 days")
          ? "Yes: refunds are possible within 30 days of purchase [1]."
          : "I cannot tell.",
        citations: [1],
      });
    };
    const { id } = await api().startRun("policy-answer", {
      question: "Can I still get a refund three weeks after purchase?",
      askedBy: "ada",
    });
    const waiting = await api().waitForRun(id, (run) => stepOf(run, "review").status === "waiting", {
      what: "the review to wait",
    });
    const find = stepOf(waiting, "find").output as {
      passages: { docId: string; collection: string; chunk: number; score: number }[];
    };
    expect(find.passages[0]).toMatchObject({ collection: "policies", docId: "refunds", chunk: 0 });
    const answer = stepOf(waiting, "answer");
    expect(answer.output).toMatchObject({
      json: { citations: [1] },
      sources: [{ n: 1, collection: "policies", docId: "refunds", chunk: 0 }],
    });
    expect((answer.input as { context: unknown }).context).toEqual(find);
    expect(model.calls.at(-1)!.messages[0]!.content).toMatch(/Cite every claim[\s\S]*\[1\] \(policies\/refunds#0\)/);
    const inbox = await api().request<{ approvals: { runId: string }[] }>("GET", "/api/approvals?status=pending");
    expect(inbox.body.approvals.map((approval) => approval.runId)).toContain(id);
    expect(
      receiver.current
        .requestsTo("/ok/slack/T0")
        .filter((request) => JSON.stringify(request.body).includes("three weeks")),
    ).toEqual([]);
    expect((await api().request("POST", `/api/runs/${id}/steps/review/approve`, { comment: "correct" })).status).toBe(
      200,
    );
    const run = await api().waitForFinish(id);
    expect(run.status).toBe("succeeded");
    expect(run.output).toMatchObject({
      answer: "Yes: refunds are possible within 30 days of purchase [1].",
      sent: true,
    });
    const sent = receiver.current.requestsTo("/ok/slack/T0").at(-1)!;
    expect(sent.body).toEqual({
      text: "ada asked: Can I still get a refund three weeks after purchase?\nYes: refunds are possible within 30 days of purchase [1].",
      sources: ["refunds"],
    });
  });

  it("a collection with no documents fails the retrieve step clearly", async () => {
    await api().putWorkflow(
      example("policy-answer", (definition) => {
        definition.id = "policy-answer-empty";
        (definition.steps as Record<string, unknown>[])[0]!.collection = "no-such-policies";
      }) as { id: string },
    );
    const { id } = await api().startRun("policy-answer-empty", { question: "Anything?" });
    const run = await api().waitForFinish(id);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ stepId: "find", code: "collection_empty" });
  });
});
