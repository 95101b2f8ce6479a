// Failure triage: a step that fails for good asks a model for one action; the
// engine applies it only when `allow` names it and the run has actions left, else the step
// fails as it would have. Every answer is recorded on the step and audited.
import { describe, expect, it } from "vitest";
import type { Definition, Triage } from "../../../src/core/definition/schema";
import { TRIAGE_TIMEOUT_MS } from "../../../src/core/engine/triage";
import { approvalRefusal } from "../../../src/core/engine";
import { RunHarness, T0 } from "./harness";

const triage = {
  provider: "openai",
  model: "triager",
  baseUrl: "https://llm.example/v1",
  apiKey: "Bearer {{ secrets.LLM_KEY }}",
  allow: ["retry", "skip", "escalate"],
  maxActions: 2,
} satisfies Triage;
const flow = (extra: Partial<Definition> = {}): Definition =>
  ({
    id: "triaged",
    triggers: [],
    triage,
    steps: [
      {
        id: "charge",
        type: "http",
        request: {
          method: "POST",
          url: "https://pay.example/charge",
          headers: { Authorization: "Bearer {{ secrets.PAY_KEY }}" },
        },
        retry: { attempts: 1 },
      },
      { id: "receipt", type: "transform", needs: ["charge"], expr: "'sent'" },
    ],
    ...extra,
  }) as Definition;
const gone = {
  code: "http_status",
  message: "404 Not Found",
  retryable: false,
  httpStatus: 404,
  response: { status: 404, headers: {}, body: { error: "no such customer" } },
};

async function failedCharge(definition = flow()): Promise<RunHarness> {
  const run = new RunHarness(definition);
  await run.start();
  await run.fail("charge", gone);
  return run;
}
const answer = (run: RunHarness, output: unknown, usage?: { inputTokens: number; outputTokens: number }) =>
  run.send({
    type: "triage_decided",
    stepId: "charge",
    attempt: run.attemptOf("charge"),
    outcome: { ok: true, output },
    ...(usage ? { usage } : {}),
  });

describe("failure triage", () => {
  it("a step failing for good waits on triage: a triage task with the step, its inputs and every attempt's error", async () => {
    const run = await failedCharge();
    expect(run.step("charge")).toMatchObject({ status: "waiting", triaging: "model", error: gone });
    expect(run.state.status).toBe("running");
    const [task] = run.dispatched();
    expect(task).toMatchObject({
      stepType: "triage",
      stepId: "charge",
      attempt: 1,
      timeoutMs: TRIAGE_TIMEOUT_MS,
      idempotencyKey: "run_1:charge:triage:1",
    });
    expect(task!.request).toMatchObject({
      provider: "openai",
      model: "triager",
      apiKey: "Bearer \u0000secret:LLM_KEY\u0000",
      allow: ["retry", "skip", "escalate"],
      failure: {
        workflow: "triaged",
        step: { id: "charge", type: "http" },
        input: { headers: { Authorization: "Bearer \u0000secret:PAY_KEY\u0000" } },
        attempts: [{ n: 1, status: "failed", error: gone, httpStatus: 404 }],
        error: gone,
      },
    });
    expect(run.state.timers["deadline:charge"]).toEqual({
      kind: "deadline",
      at: T0 + TRIAGE_TIMEOUT_MS,
      stepId: "charge",
      attempt: 1,
    });
  });

  it("without triage the same failure fails the run at once", async () => {
    const run = await failedCharge(flow({ triage: undefined }));
    expect(run.state.status).toBe("failed");
    expect(run.dispatched()).toEqual([]);
  });

  it("retry (allowed) starts a new attempt after retryAfter and records the decision", async () => {
    const run = await failedCharge();
    await answer(
      run,
      { action: "retry", reason: "the customer was just created; it may be replicating", retryAfter: 30 },
      { inputTokens: 300, outputTokens: 20 },
    );
    expect(run.step("charge")).toMatchObject({ status: "retrying" });
    expect(run.step("charge").triage).toEqual([
      {
        action: "retry",
        reason: "the customer was just created; it may be replicating",
        applied: true,
        retryAfterMs: 30_000,
        attempt: 1,
        runAttempt: 1,
        at: T0,
      },
    ]);
    expect(run.effects).toContainEqual({
      type: "audit",
      action: "triage.decided",
      stepId: "charge",
      attempt: 1,
      detail: {
        action: "retry",
        reason: "the customer was just created; it may be replicating",
        applied: true,
        retryAfterMs: 30_000,
      },
    });
    expect(run.state.usage).toEqual({ inputTokens: 300, outputTokens: 20 });
    await run.advanceBy(30_000);
    expect(run.dispatched()).toMatchObject([{ stepType: "http", stepId: "charge", attempt: 2 }]);
    await run.complete("charge", { status: 200 });
    expect(run.state.status).toBe("succeeded");
  });

  it("an action outside `allow` is refused and the step fails as it would have", async () => {
    const run = await failedCharge();
    await answer(run, { action: "fail", reason: "give up" });
    expect(run.step("charge")).toMatchObject({ status: "failed", error: gone });
    expect(run.step("charge").triage).toMatchObject([
      { action: "fail", applied: false, refusal: '"fail" is not allowed (allow: retry, skip, escalate)' },
    ]);
    expect(run.state).toMatchObject({ status: "failed", error: { code: "http_status", stepId: "charge" } });
    expect(run.audits()).toEqual(expect.arrayContaining(["triage.decided", "step.failed", "run.failed"]));
  });

  it("an answer that is no action at all is refused", async () => {
    const run = await failedCharge();
    await answer(run, { action: "reboot-the-world", reason: "why not" });
    expect(run.step("charge").triage).toMatchObject([{ action: "reboot-the-world", applied: false }]);
    expect(run.state.status).toBe("failed");
  });

  it("skip skips the step; a dependent whose only need was skipped is skipped too, and the run succeeds", async () => {
    const run = await failedCharge();
    await answer(run, { action: "skip", reason: "optional charge" });
    expect(run.step("charge")).toMatchObject({ status: "skipped", skipReason: "triage_skipped" });
    expect(run.step("receipt")).toMatchObject({ status: "skipped", skipReason: "needs_skipped" });
    expect(run.state.status).toBe("succeeded");
  });

  it("maxActions bounds the actions applied per run: the third failure's answer is refused", async () => {
    const run = await failedCharge();
    await answer(run, { action: "retry", reason: "one" });
    await run.fail("charge", gone);
    await answer(run, { action: "retry", reason: "two" });
    await run.fail("charge", gone);
    expect(run.step("charge").triaging).toBe("model");
    await answer(run, { action: "retry", reason: "three" });
    expect(run.step("charge").triage!.map((entry) => [entry.reason, entry.applied, entry.refusal])).toEqual([
      ["one", true, undefined],
      ["two", true, undefined],
      ["three", false, "the run used its 2 triage actions"],
    ]);
    expect(run.state.status).toBe("failed");
  });

  it("a triage that fails (model unreachable) fails the step as it would have, with the triage error recorded", async () => {
    const run = await failedCharge();
    const error = { code: "network_error", message: "connection refused", retryable: true };
    await run.send({ type: "triage_decided", stepId: "charge", attempt: 1, outcome: { ok: false, error } });
    expect(run.step("charge")).toMatchObject({
      status: "failed",
      error: gone,
      triage: [{ action: null, applied: false, error }],
    });
    expect(run.state.status).toBe("failed");
  });

  it("no answer before the triage deadline fails the step", async () => {
    const run = await failedCharge();
    await run.advanceBy(TRIAGE_TIMEOUT_MS);
    expect(run.step("charge")).toMatchObject({
      status: "failed",
      triage: [{ applied: false, error: { code: "timed_out" } }],
    });
    expect(run.state.status).toBe("failed");
  });

  it("a late or duplicate triage answer changes nothing", async () => {
    const run = await failedCharge();
    await answer(run, { action: "skip", reason: "first" });
    const before = run.state;
    await run.send({
      type: "triage_decided",
      stepId: "charge",
      attempt: 1,
      outcome: { ok: true, output: { action: "retry", reason: "again" } },
    });
    expect(run.state).toBe(before);
  });

  it("escalate makes the step an approval in the inbox: approve runs it again", async () => {
    const run = await failedCharge();
    await answer(run, { action: "escalate", reason: "a person should check the customer id" });
    expect(run.step("charge")).toMatchObject({ status: "waiting", triaging: "person" });
    expect(run.state.status).toBe("waiting");
    expect(run.effects).toContainEqual({
      type: "approval_opened",
      stepId: "charge",
      attempt: 1,
      approvers: [],
      requestedAt: T0,
    });
    expect(approvalRefusal(run.definition, run.state, "charge", { name: "ops", role: "operator" })).toBeUndefined();
    expect(approvalRefusal(run.definition, run.state, "charge", { name: "eve", role: "viewer" })).toMatchObject({
      code: "forbidden",
    });
    await run.send({ type: "approval_decided", stepId: "charge", attempt: 1, decision: "approve", by: "ops" });
    expect(run.effects).toContainEqual({ type: "approval_closed", stepId: "charge", attempt: 1, status: "running" });
    expect(run.dispatched()).toMatchObject([{ stepType: "http", stepId: "charge", attempt: 2 }]);
    expect(run.step("charge").triaging).toBeUndefined();
    await run.complete("charge");
    expect(run.state.status).toBe("succeeded");
  });

  it("escalate, then reject: the step fails with its own error", async () => {
    const run = await failedCharge();
    await answer(run, { action: "escalate", reason: "check" });
    await run.send({
      type: "approval_decided",
      stepId: "charge",
      attempt: 1,
      decision: "reject",
      by: "ops",
      comment: "wrong account",
    });
    expect(run.step("charge")).toMatchObject({ status: "failed", error: gone });
    expect(run.effects).toContainEqual({ type: "approval_closed", stepId: "charge", attempt: 1, status: "failed" });
    expect(run.state.status).toBe("failed");
  });

  it("cancelling a run that waits on an escalation closes the inbox entry", async () => {
    const run = await failedCharge();
    await answer(run, { action: "escalate", reason: "check" });
    await run.send({ type: "cancel" });
    expect(run.effects).toContainEqual({ type: "approval_closed", stepId: "charge", attempt: 1, status: "cancelled" });
    expect(run.step("charge").triaging).toBeUndefined();
  });

  it("a redrive gives triage a fresh budget and keeps the history", async () => {
    const run = await failedCharge(flow({ triage: { ...triage, maxActions: 1 } }));
    await answer(run, { action: "retry", reason: "one" });
    await run.fail("charge", gone);
    await answer(run, { action: "retry", reason: "refused" });
    expect(run.state.status).toBe("failed");
    await run.send({ type: "retry" });
    await run.fail("charge", gone);
    await answer(run, { action: "skip", reason: "after redrive" });
    expect(run.step("charge").triage!.map((entry) => entry.applied)).toEqual([true, false, true]);
    expect(run.state.status).toBe("succeeded");
  });

  it("onFailure steps are not triaged", async () => {
    const run = new RunHarness(
      flow({
        onFailure: [{ id: "page", type: "http", request: { url: "https://pager.example" }, retry: { attempts: 1 } }],
      }),
    );
    await run.start();
    await run.fail("charge", gone);
    await answer(run, { action: "fail", reason: "no" });
    expect(run.dispatched()).toMatchObject([{ stepType: "http", stepId: "page" }]);
    await run.fail("page", gone);
    expect(run.step("page").status).toBe("failed");
    expect(run.state.status).toBe("failed");
  });
});
