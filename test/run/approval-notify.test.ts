// An approval's `notify` request: the run sends it through the task queue when the step
// starts waiting, the consumer signs the links into it, and a person follows the link to
// decide — without a token.
import { afterEach, describe, expect, it, vi } from "vitest";
import { signOffFlow } from "../fixtures/workflows-api/approvals";
import { call, getRun, saveWorkflow } from "../support/workers/api";
import { pollUntil, startRecordedRun } from "../support/workers/runs";
import { answerFetch, deliver, jsonResponse } from "../support/workers/tasks";

const notify = {
  url: "https://chat.example/hook",
  body: {
    text: "Order {{ steps.quote.output.total }} needs you",
    approve: "{{ approval.approveUrl }}",
    reject: "{{ approval.rejectUrl }}",
    until: "{{ approval.expiresAt }}",
  },
};

afterEach(() => vi.restoreAllMocks());

describe("an approval's notify request", () => {
  it("carries signed links that decide the approval, and its delivery tells the run nothing", async () => {
    await saveWorkflow("appr-notify", signOffFlow(undefined, { notify }));
    const { runId, dispatched } = await startRecordedRun("appr-notify");
    const [task] = await pollUntil(
      async () => dispatched,
      (tasks) => tasks.length > 0,
    );
    expect(task).toMatchObject({ stepType: "notify", stepId: "approve", attempt: 1 });

    const sent: { url: string; headers: Headers; body: Record<string, string> }[] = [];
    answerFetch(async (request) => {
      sent.push({ url: request.url, headers: request.headers, body: (await request.json()) as Record<string, string> });
      return jsonResponse({ ok: true });
    });
    const delivery = await deliver([task]);
    expect(delivery.result.explicitAcks).toEqual(delivery.ids);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe("https://chat.example/hook");
    expect(sent[0]!.headers.get("idempotency-key")).toBe(`${runId}:approve:notify`);
    const { approve, reject, text, until } = sent[0]!.body;
    expect(text).toBe("Order 1200 needs you");
    expect(approve).toMatch(/^\/api\/approval-links\?token=[\w-]+\.[\w-]+$/);
    expect(reject).not.toBe(approve);
    expect(Date.parse(until!)).toBeGreaterThan(Date.now());
    expect((await getRun(runId)).status).toBe("waiting");

    vi.restoreAllMocks();
    const page = await call("GET", approve!, { token: null });
    expect(page.status).toBe(200);
    const decided = await call("POST", approve!, { token: null });
    expect(decided.status).toBe(200);
    const run = await getRun(runId);
    expect(run.steps.find((step) => step.id === "approve")).toMatchObject({
      status: "succeeded",
      output: { decision: "approved", by: "link" },
    });
    expect(run.status).toBe("succeeded");
  });

  it("a notification that fails for now is redelivered and sent again by the same message, not by any other copy", async () => {
    await saveWorkflow("appr-notify-retried", signOffFlow(undefined, { notify }));
    const { runId, dispatched } = await startRecordedRun("appr-notify-retried");
    const [task] = await pollUntil(
      async () => dispatched,
      (tasks) => tasks.length > 0,
    );
    let answers = 0;
    const fetchSpy = answerFetch(() =>
      ++answers === 1 ? jsonResponse({ error: "busy" }, 503) : jsonResponse({ ok: true }),
    );
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const first = await deliver([task]);
    expect(first.result.retryMessages).toEqual([{ msgId: first.ids[0] }]);
    // The queue redelivers the same message (same id): it claims the notification again.
    const again = await deliver([task], { ids: first.ids, attempts: 2 });
    expect(again.result.explicitAcks).toEqual(first.ids);
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    // Any other copy of it is not sent.
    await deliver([task]);
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    expect((await getRun(runId)).steps.find((step) => step.id === "approve")?.status).toBe("waiting");
  });

  it("a notification the receiver refuses for good is dropped; the approval still waits", async () => {
    await saveWorkflow("appr-notify-refused", signOffFlow(undefined, { notify }));
    const { runId, dispatched } = await startRecordedRun("appr-notify-refused");
    const [task] = await pollUntil(
      async () => dispatched,
      (tasks) => tasks.length > 0,
    );
    answerFetch(() => jsonResponse({ error: "no such channel" }, 404));
    const delivery = await deliver([task]);
    expect(delivery.result.explicitAcks).toEqual(delivery.ids);
    expect((await getRun(runId)).steps.find((step) => step.id === "approve")?.status).toBe("waiting");
  });
});
