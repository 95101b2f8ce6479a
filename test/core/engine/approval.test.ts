// Approval steps: the step waits for a person; who may decide, what a decision and a
// timeout do, and what the step holds outside the run while it waits (the inbox entry).
import { describe, expect, it } from "vitest";
import { approvalRefusal } from "../../../src/core/engine";
import { routedSignOff, signOff } from "../../fixtures/workflows/sign-off";
import { RunHarness, T0 } from "./harness";

const DAY = 24 * 60 * 60_000;

async function waitingSignOff(extra: Record<string, unknown> = {}) {
  const run = new RunHarness(signOff(extra));
  await run.start();
  return run;
}

const decide = (run: RunHarness, decision: "approve" | "reject", by = "ada", comment?: string) =>
  run.send({
    type: "approval_decided",
    stepId: "approve",
    attempt: run.attemptOf("approve"),
    decision,
    by,
    ...(comment ? { comment } : {}),
  });

describe("approval", () => {
  it("an approval waits: step and run are waiting, its timeout is a timer, the inbox entry opens", async () => {
    const run = await waitingSignOff();
    expect(run.state.status).toBe("waiting");
    expect(run.step("approve")).toMatchObject({
      status: "waiting",
      input: { approvers: [], expiresAt: new Date(T0 + 2 * DAY).toISOString() },
    });
    expect(run.state.timers["timeout:approve"]).toEqual({
      kind: "timeout",
      at: T0 + 2 * DAY,
      stepId: "approve",
      attempt: 1,
    });
    expect(run.effects).toContainEqual({
      type: "approval_opened",
      stepId: "approve",
      attempt: 1,
      approvers: [],
      requestedAt: T0,
      expiresAt: T0 + 2 * DAY,
    });
  });

  it("an approval outputs who decided, with the comment and the time, and the run goes on", async () => {
    const run = await waitingSignOff();
    run.now += 5_000;
    await decide(run, "approve", "ada", "looks fine");
    expect(run.step("approve")).toMatchObject({
      status: "succeeded",
      output: { decision: "approved", by: "ada", comment: "looks fine", at: new Date(T0 + 5_000).toISOString() },
    });
    expect(run.state).toMatchObject({ status: "succeeded" });
    expect(run.step("ship").output).toBe("shipped by ada");
    expect(run.state.timers).toEqual({});
    expect(run.effects).toContainEqual({
      type: "audit",
      action: "approval.decided",
      stepId: "approve",
      attempt: 1,
      detail: { decision: "approve", by: "ada", comment: "looks fine" },
    });
    expect(run.effects).toContainEqual({ type: "approval_closed", stepId: "approve", attempt: 1, status: "succeeded" });
  });

  it("a rejection fails the step with code rejected and keeps the output", async () => {
    const run = await waitingSignOff();
    await decide(run, "reject", "bob", "too expensive");
    expect(run.step("approve")).toMatchObject({
      status: "failed",
      error: { code: "rejected", retryable: false },
      output: { decision: "rejected", by: "bob", comment: "too expensive" },
    });
    expect(run.state).toMatchObject({ status: "failed", error: { code: "rejected", stepId: "approve" } });
  });

  it("a rejection with onError continue is routed by an if on the step's status", async () => {
    const run = new RunHarness(routedSignOff);
    await run.start();
    await decide(run, "reject", "alice", "no stock");
    expect(run.statuses()).toEqual({ approve: "failed", ship: "skipped", refund: "succeeded" });
    expect(run.step("refund").output).toBe("refunded: no stock");
    expect(run.state.status).toBe("succeeded");
  });

  it("deciding twice changes nothing the second time", async () => {
    const run = await waitingSignOff();
    await decide(run, "approve");
    const before = run.state;
    await run.send({ type: "approval_decided", stepId: "approve", attempt: 1, decision: "reject", by: "eve" });
    expect(run.state).toBe(before);
    expect(run.effects).toEqual([]);
  });

  it.each([
    [
      "reject",
      { status: "failed", error: { code: "rejected" }, output: { decision: "rejected", by: "timeout" } },
      "failed",
    ],
    ["approve", { status: "succeeded", output: { decision: "approved", by: "timeout" } }, "succeeded"],
    ["fail", { status: "failed", error: { code: "timed_out", retryable: false } }, "failed"],
  ])("onTimeout %s decides the step when the timeout fires", async (onTimeout, step, runStatus) => {
    const run = await waitingSignOff({ onTimeout });
    await run.advanceBy(2 * DAY);
    expect(run.step("approve")).toMatchObject(step);
    expect(run.state.status).toBe(runStatus);
    expect(run.effects).toContainEqual({ type: "approval_closed", stepId: "approve", attempt: 1, status: step.status });
  });

  it("the default onTimeout is reject", async () => {
    const run = await waitingSignOff();
    await run.advanceBy(2 * DAY);
    expect(run.step("approve")).toMatchObject({ status: "failed", error: { code: "rejected" } });
  });

  it("cancelling the run closes the inbox entry", async () => {
    const run = await waitingSignOff();
    await run.send({ type: "cancel" });
    expect(run.effects).toContainEqual({ type: "approval_closed", stepId: "approve", attempt: 1, status: "cancelled" });
  });
});

describe("an approval's notify request", () => {
  const notify = {
    url: "https://chat.example/hook",
    headers: { authorization: "Bearer {{ secrets.CHAT }}" },
    body: {
      text: "Approve {{ run.id }}: {{ approval.approveUrl }}",
      reject: "{{ approval.rejectUrl }}",
      until: "{{ approval.expiresAt }}",
    },
  };

  it("is sent once when the approval starts waiting, links as placeholders the consumer signs", async () => {
    const run = await waitingSignOff({ notify });
    const [task, ...others] = run.dispatched();
    expect(others).toEqual([]);
    const expiry = T0 + 2 * DAY;
    expect(task).toEqual({
      type: "dispatch",
      runId: "run_1",
      stepId: "approve",
      attempt: 1,
      stepType: "notify",
      timeoutMs: 30_000,
      idempotencyKey: "run_1:approve:notify",
      request: {
        method: "POST",
        url: "https://chat.example/hook",
        headers: { authorization: "Bearer \u0000secret:CHAT\u0000" },
        query: {},
        body: {
          text: `Approve run_1: \u0000approval-link:approve:${expiry}\u0000`,
          reject: `\u0000approval-link:reject:${expiry}\u0000`,
          until: new Date(expiry).toISOString(),
        },
      },
    });
    expect(run.step("approve").status).toBe("waiting");
  });

  it("links of an approval without a timeout last 7 days", async () => {
    const run = new RunHarness({
      ...signOff({ notify }),
      steps: signOff().steps.map((step) =>
        step.id === "approve" ? { id: "approve", type: "approval", needs: ["quote"], notify } : step,
      ),
    } as never);
    await run.start();
    expect(JSON.stringify(run.dispatched()[0]!.request)).toContain(`approval-link:approve:${T0 + 7 * DAY}`);
  });

  it("that fails to render fails the step without retry, and nothing is sent", async () => {
    const run = await waitingSignOff({ notify: { url: "{{ $error('no url') }}" } });
    expect(run.step("approve")).toMatchObject({
      status: "failed",
      error: { code: "expression_error", retryable: false },
    });
    expect(run.dispatched()).toEqual([]);
  });
});

describe("who may decide an approval", () => {
  const approvers = (list?: string[]) =>
    ({
      steps: [
        { id: "approve", type: "approval", ...(list ? { approvers: list } : {}) },
        { id: "calc", type: "transform" },
      ],
    }) as never;
  const waiting = async (list?: string[]) => (await waitingSignOff(list ? { approvers: list } : {})).state;

  it.each([
    ["without approvers, an operator", undefined, { name: "op", role: "operator" }, undefined],
    ["without approvers, a viewer is refused", undefined, { name: "v", role: "viewer" }, "forbidden"],
    ["a role entry admits that role", ["editor"], { name: "ed", role: "editor" }, undefined],
    ["a role entry admits the roles above it", ["editor"], { name: "root", role: "admin" }, undefined],
    ["a role entry refuses the roles below it", ["editor"], { name: "op", role: "operator" }, "forbidden"],
    ["a token name admits that token, whatever its role", ["alice"], { name: "alice", role: "viewer" }, undefined],
    ["a token name refuses other tokens, even admins", ["alice"], { name: "admin", role: "admin" }, "forbidden"],
    ["a signed link is admitted", ["alice"], { name: "link", link: true }, undefined],
  ])("%s", async (_name, list, decider, refusal) => {
    const state = await waiting(list);
    expect(approvalRefusal(approvers(list), state, "approve", decider)?.code).toBe(refusal);
  });

  it.each([
    ["an unknown step", "nope", undefined, "not_found"],
    ["a step that is not an approval", "calc", undefined, "invalid_state"],
    ["an attempt that is over", "approve", 7, "invalid_state"],
  ])("deciding %s is refused", async (_name, stepId, attempt, code) => {
    const state = await waiting();
    const steps = approvers();
    state.steps.calc = { id: "calc", type: "transform", status: "succeeded", attempts: [] };
    expect(approvalRefusal(steps, state, stepId, { name: "op", role: "operator" }, attempt)?.code).toBe(code);
  });

  it("deciding a step that is no longer waiting is refused", async () => {
    const run = await waitingSignOff();
    await decide(run, "approve");
    expect(approvalRefusal(approvers(), run.state, "approve", { name: "op", role: "operator" })).toMatchObject({
      code: "invalid_state",
    });
  });
});
