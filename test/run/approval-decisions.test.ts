// Approvals through the API: who may decide (roles and token names), what
// approve and reject do to the run, refusals for everything else, the timeout through the
// run's alarm, and the inbox that follows each approval through the run's outbox.
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { RunView } from "../../src/core/engine/run-view";
import { signOffFlow } from "../fixtures/workflows-api/approvals";
import { call, expectJson, expectProblem, getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { runStubFor, waitForOutboxFlush } from "../support/workers/runs";
import { issueToken, uniqueName } from "../support/workers/tokens";

const UNKNOWN_RUN = "run_01JD3X5Q8R9W4Y7Z2B6C0N1M5K";
const DAY = 24 * 60 * 60_000;

const decide = (
  runId: string,
  decision: "approve" | "reject",
  options: { token?: string; comment?: string; stepId?: string } = {},
) =>
  call("POST", `/api/runs/${runId}/steps/${options.stepId ?? "approve"}/${decision}`, {
    token: options.token,
    json: options.comment ? { comment: options.comment } : {},
  });

async function waitingRun(
  workflow: string,
  approvers?: string[],
  extra: Record<string, unknown> = {},
): Promise<RunView> {
  await saveWorkflow(workflow, signOffFlow(approvers, extra));
  const run = await startRunThroughApi(workflow);
  expect(run.steps.find((step) => step.id === "approve")?.status).toBe("waiting");
  expect(run.status).toBe("waiting");
  return run;
}

type Inbox = {
  approvals: {
    runId: string;
    stepId: string;
    workflow: string;
    approvers: string[];
    requestedAt: string;
    expiresAt: string | null;
  }[];
};
const inbox = async (status = "pending") =>
  (await expectJson<Inbox>(await call("GET", `/api/approvals?status=${status}&limit=200`), 200)).approvals;

afterEach(restoreClock);

describe("deciding an approval", () => {
  it("approve: the step outputs who decided, with the comment, and the run goes on", async () => {
    const run = await waitingRun("appr-approve");
    const { run: after } = await expectJson<{ run: RunView }>(
      await decide(run.id, "approve", { comment: "fine by me" }),
      200,
    );
    expect(after.steps.find((step) => step.id === "approve")).toMatchObject({
      status: "succeeded",
      output: { decision: "approved", by: "admin", comment: "fine by me", at: expect.any(String) },
    });
    expect(after).toMatchObject({ status: "succeeded", output: "shipped, approved by admin" });
  });

  it("reject: the step fails with code rejected, its output recorded, and the run fails", async () => {
    const run = await waitingRun("appr-reject");
    const { run: after } = await expectJson<{ run: RunView }>(
      await decide(run.id, "reject", { comment: "too dear" }),
      200,
    );
    expect(after.steps.find((step) => step.id === "approve")).toMatchObject({
      status: "failed",
      error: { code: "rejected" },
      output: { decision: "rejected", by: "admin", comment: "too dear" },
    });
    expect(after).toMatchObject({ status: "failed", error: { code: "rejected", stepId: "approve" } });
  });

  it("a role entry admits that role and above, and refuses the roles below", async () => {
    const run = await waitingRun("appr-role", ["editor"]);
    const operator = await issueToken("operator");
    await expectProblem(await decide(run.id, "approve", { token: operator.token }), 403, "forbidden");
    const editor = await issueToken("editor");
    const { run: after } = await expectJson<{ run: RunView }>(
      await decide(run.id, "approve", { token: editor.token }),
      200,
    );
    expect(after.steps.find((step) => step.id === "approve")?.output).toMatchObject({ by: editor.name });
  });

  it("a token name admits that token whatever its role, and no one else, not even an admin", async () => {
    const alice = await issueToken("viewer", { name: uniqueName("alice") });
    const run = await waitingRun("appr-name", [alice.name]);
    const bob = await issueToken("operator");
    await expectProblem(await decide(run.id, "approve", { token: bob.token }), 403, "forbidden");
    await expectProblem(await decide(run.id, "approve"), 403, "forbidden");
    const { run: after } = await expectJson<{ run: RunView }>(
      await decide(run.id, "approve", { token: alice.token }),
      200,
    );
    expect(after.steps.find((step) => step.id === "approve")?.output).toMatchObject({
      decision: "approved",
      by: alice.name,
    });
  });

  it("without approvers any operator may decide, and a viewer may not", async () => {
    const run = await waitingRun("appr-default");
    const viewer = await issueToken("viewer");
    await expectProblem(await decide(run.id, "approve", { token: viewer.token }), 403, "forbidden");
    const operator = await issueToken("operator");
    await expectJson(await decide(run.id, "reject", { token: operator.token }), 200);
  });
});

describe("decisions that are refused", () => {
  it("deciding twice is 409 invalid_state, and the first decision stands", async () => {
    const run = await waitingRun("appr-twice");
    await expectJson(await decide(run.id, "approve"), 200);
    await expectProblem(await decide(run.id, "reject"), 409, "invalid_state");
    expect((await getRun(run.id)).steps.find((step) => step.id === "approve")?.status).toBe("succeeded");
  });

  it("an unknown run or step is 404 not_found", async () => {
    const run = await waitingRun("appr-unknown");
    await expectProblem(await decide(UNKNOWN_RUN, "approve"), 404, "not_found");
    await expectProblem(await decide("not-a-run", "approve"), 404, "not_found");
    await expectProblem(await decide(run.id, "approve", { stepId: "nope" }), 404, "not_found");
  });

  it("a step that is not an approval is 409 invalid_state", async () => {
    const run = await waitingRun("appr-not-approval");
    const problem = await expectProblem(await decide(run.id, "approve", { stepId: "quote" }), 409, "invalid_state");
    expect(problem.detail).toMatch(/not an approval/);
  });

  it("a comment that is not text is 422, and decides nothing", async () => {
    const run = await waitingRun("appr-bad-body");
    await expectProblem(
      await call("POST", `/api/runs/${run.id}/steps/approve/approve`, { json: { comment: 7 } }),
      422,
      "validation_failed",
    );
    expect((await getRun(run.id)).status).toBe("waiting");
  });
});

describe("an approval's timeout", () => {
  it.each([
    [
      "reject",
      "failed",
      { status: "failed", error: { code: "rejected" }, output: { decision: "rejected", by: "timeout" } },
    ],
    ["approve", "succeeded", { status: "succeeded", output: { decision: "approved", by: "timeout" } }],
    ["fail", "failed", { status: "failed", error: { code: "timed_out" } }],
  ])("onTimeout %s decides when the run's alarm fires after the timeout", async (onTimeout, runStatus, step) => {
    freezeClock();
    const run = await waitingRun(`appr-timeout-${onTimeout}`, undefined, { onTimeout });
    advanceClock(DAY + 1_000);
    expect(await runDurableObjectAlarm(runStubFor(run.id))).toBe(true);
    const after = await getRun(run.id);
    expect(after.steps.find((s) => s.id === "approve")).toMatchObject(step);
    expect(after.status).toBe(runStatus);
  });
});

describe("the approvals inbox", () => {
  it("lists a waiting approval as pending, newest first, until it is decided", async () => {
    const first = await waitingRun("appr-inbox", ["operator", "carol"]);
    const second = await startRunThroughApi("appr-inbox");
    await waitForOutboxFlush(first.id);
    await waitForOutboxFlush(second.id);
    const pending = (await inbox()).filter((entry) => entry.workflow === "appr-inbox");
    expect(pending.map((entry) => entry.runId)).toEqual([second.id, first.id]);
    expect(pending[1]).toEqual({
      runId: first.id,
      stepId: "approve",
      workflow: "appr-inbox",
      approvers: ["operator", "carol"],
      requestedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(Date.parse(pending[1]!.expiresAt!) - Date.parse(pending[1]!.requestedAt)).toBe(DAY);

    await expectJson(await decide(first.id, "approve"), 200);
    await expectJson(await call("POST", `/api/runs/${second.id}/cancel`), 200);
    await waitForOutboxFlush(first.id);
    await waitForOutboxFlush(second.id);
    expect((await inbox()).filter((entry) => entry.workflow === "appr-inbox")).toEqual([]);
    expect(
      (await inbox("resolved"))
        .filter((entry) => entry.workflow === "appr-inbox")
        .map((entry) => entry.runId)
        .sort(),
    ).toEqual([first.id, second.id].sort());
  });

  it("refuses a status it does not know with 400", async () => {
    await expectProblem(await call("GET", "/api/approvals?status=maybe"), 400, "bad_request");
  });
});
