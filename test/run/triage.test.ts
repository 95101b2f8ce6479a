// Failure triage through the real run and consumer: a step that fails for good
// asks the workflow's triage model (an OpenAI-compatible endpoint answered by a fetch spy);
// the run applies only what `allow` admits, audits every decision with its reason, and an
// escalation waits in the approvals inbox until a person approves a new attempt.
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { call, expectJson, saveWorkflow } from "../support/workers/api";
import { readRun, startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";
import { answerFetch, deliver, jsonResponse } from "../support/workers/tasks";
import { uniqueName } from "../support/workers/tokens";

const WORKFLOW = uniqueName("triaged-charge");
const PAY_KEY = `PAY_KEY_${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
const PAY_SECRET = "pay-secret-value-987654321";

const definition = {
  id: WORKFLOW,
  triggers: [],
  triage: {
    provider: "openai",
    model: "triager",
    baseUrl: "https://triage.example/v1",
    allow: ["retry", "skip", "escalate"],
    maxActions: 2,
    pricing: { input: 1, output: 1 },
  },
  steps: [
    {
      id: "charge",
      type: "http",
      request: {
        method: "POST",
        url: "https://pay.example/charge",
        headers: { Authorization: `Bearer {{ secrets.${PAY_KEY} }}` },
        body: { amount: "{{ input.amount }}" },
      },
      retry: { attempts: 1 },
    },
    { id: "receipt", type: "transform", needs: ["charge"], expr: "'sent'" },
  ],
};

interface ChatBody {
  messages: { role: string; content: string }[];
}

/** Payments answer 404 (or `pay`); the triage model answers `triage` (a JSON text), keeping what it was asked. */
function answerWorld(
  triage: () => string,
  pay: () => Response = () => jsonResponse({ error: "no such customer" }, 404),
) {
  const asked: ChatBody[] = [];
  answerFetch(async (request) => {
    if (request.url.startsWith("https://triage.example/")) {
      asked.push((await request.json()) as ChatBody);
      return jsonResponse({
        model: "triager",
        choices: [{ message: { role: "assistant", content: triage() } }],
        usage: { prompt_tokens: 500, completion_tokens: 30 },
      });
    }
    return pay();
  });
  return asked;
}

async function triageAudit(runId: string) {
  await waitForOutboxFlush(runId);
  const { results } = await env.DB.prepare(
    "SELECT action, detail FROM audit_log WHERE run_id = ? AND action = 'triage.decided' ORDER BY seq",
  )
    .bind(runId)
    .all<{ action: string; detail: string }>();
  return results.map((row) => JSON.parse(row.detail) as Record<string, unknown>);
}

beforeAll(async () => {
  await saveWorkflow(WORKFLOW, definition);
  expect([200, 201]).toContain((await call("PUT", `/api/secrets/${PAY_KEY}`, { json: { value: PAY_SECRET } })).status);
});
afterEach(() => vi.restoreAllMocks());

describe("failure triage", () => {
  it("the model sees the step, its masked inputs and the failed response; its allowed `skip` is applied and audited", async () => {
    const run = await startRecordedRun(WORKFLOW, { amount: 42 });
    const asked = answerWorld(() =>
      JSON.stringify({ action: "skip", reason: "The customer does not exist; charging is pointless." }),
    );
    await deliver(run.dispatched);
    expect(run.dispatched.map((task) => task.stepType)).toEqual(["http", "triage"]);
    expect((await readRun(run.runId)).steps[0]).toMatchObject({ status: "waiting", triaging: "model" });
    await deliver(run.dispatched.slice(1));
    const prompt = asked[0]!.messages.map((message) => message.content).join("\n");
    expect(prompt).toContain("retry, skip, escalate");
    expect(prompt).toContain("no such customer");
    expect(prompt).toContain("https://pay.example/charge");
    expect(prompt).toContain("Bearer ***");
    expect(prompt).not.toContain(PAY_SECRET);
    const view = await readRun(run.runId);
    expect(view.status).toBe("succeeded");
    expect(view.steps.map((step) => [step.id, step.status])).toEqual([
      ["charge", "skipped"],
      ["receipt", "skipped"],
    ]);
    expect(view.steps[0]!.triage).toEqual([
      {
        action: "skip",
        reason: "The customer does not exist; charging is pointless.",
        applied: true,
        refusal: null,
        error: null,
        retryAfterMs: null,
        attempt: 1,
        at: expect.any(String),
      },
    ]);
    expect(view.usage).toEqual({ inputTokens: 500, outputTokens: 30, costUsd: 0.00053 });
    expect(await triageAudit(run.runId)).toEqual([
      { action: "skip", reason: "The customer does not exist; charging is pointless.", applied: true, attempt: 1 },
    ]);
  });

  it("an action outside `allow` is refused: the step and the run fail as they would have, and the refusal is audited", async () => {
    const run = await startRecordedRun(WORKFLOW, { amount: 1 });
    answerWorld(() => JSON.stringify({ action: "fail", reason: "Give up." }));
    await deliver(run.dispatched);
    await deliver(run.dispatched.slice(1));
    const view = await readRun(run.runId);
    expect(view.status).toBe("failed");
    expect(view.error).toMatchObject({ stepId: "charge", code: "http_status", httpStatus: 404 });
    expect(view.steps[0]!.triage).toMatchObject([
      { action: "fail", applied: false, refusal: '"fail" is not allowed (allow: retry, skip, escalate)' },
    ]);
    expect(await triageAudit(run.runId)).toMatchObject([
      { action: "fail", reason: "Give up.", applied: false, refusal: expect.stringContaining("not allowed") },
    ]);
  });

  it("an answer that is not the fixed JSON fails the step as it would have, with the triage error recorded", async () => {
    const run = await startRecordedRun(WORKFLOW, { amount: 1 });
    answerWorld(() => "I think you should retry.");
    await deliver(run.dispatched);
    await deliver(run.dispatched.slice(1));
    const view = await readRun(run.runId);
    expect(view.status).toBe("failed");
    expect(view.steps[0]!.triage).toMatchObject([{ action: null, applied: false, error: { code: "invalid_answer" } }]);
  });

  it("escalate: the step waits in the approvals inbox; approving runs a new attempt", async () => {
    const run = await startRecordedRun(WORKFLOW, { amount: 7 });
    let pay = () => jsonResponse({ error: "no such customer" }, 404);
    answerWorld(
      () => JSON.stringify({ action: "escalate", reason: "A person should check the customer id." }),
      () => pay(),
    );
    await deliver(run.dispatched);
    await deliver(run.dispatched.slice(1));
    let view = await readRun(run.runId);
    expect(view.status).toBe("waiting");
    expect(view.steps[0]).toMatchObject({ status: "waiting", triaging: "person" });
    await waitForOutboxFlush(run.runId);
    const inbox = await expectJson<{ approvals: { runId: string; stepId: string }[] }>(
      await call("GET", "/api/approvals?status=pending&limit=200"),
      200,
    );
    expect(inbox.approvals).toContainEqual(
      expect.objectContaining({ runId: run.runId, stepId: "charge", workflow: WORKFLOW }),
    );
    pay = () => jsonResponse({ id: "ch_1" }, 201);
    const approved = await call("POST", `/api/runs/${run.runId}/steps/charge/approve`, {
      json: { comment: "customer fixed" },
    });
    expect(approved.status, await approved.clone().text()).toBe(200);
    expect(run.dispatched.at(-1)).toMatchObject({ stepType: "http", stepId: "charge", attempt: 2 });
    await deliver(run.dispatched.slice(-1));
    view = await readRun(run.runId);
    expect(view.status).toBe("succeeded");
    expect(view.steps[0]!.attempts.map((attempt) => attempt.status)).toEqual(["failed", "succeeded"]);
    await waitForOutboxFlush(run.runId);
    const after = await expectJson<{ approvals: { runId: string }[] }>(
      await call("GET", "/api/approvals?status=pending&limit=200"),
      200,
    );
    expect(after.approvals.map((approval) => approval.runId)).not.toContain(run.runId);
  });
});
