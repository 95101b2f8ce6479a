// `concurrency {limit, key}` in the Workers runtime: excess runs wait `queued`,
// FIFO, visible and cancellable through the API, and start as runs finish. Runs finish
// when the test reports their task to them; the gate hears of it from the run.
import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunView } from "../../src/core/engine/run-view";
import {
  oneAtATime,
  oneAtATimePerCustomer,
  oneAtATimePerCustomerRateLimited,
  RATE_PERIOD_MS,
} from "../fixtures/flow-control/flow-controlled";
import { call, expectJson, expectProblem, getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { pollUntil, readAlarm, runStubFor } from "../support/workers/runs";

/** How soon a run retries a release its gate did not take (OUTBOX_RETRY_MS in src/run/outbox-flush.ts). */
const RELEASE_RETRY_MS = 5_000;
const gateStubFor = (name: string) => env.GATES.get(env.GATES.idFromName(name));
const statusOf = async (runId: string) => (await getRun(runId)).status;
const waitForStatus = (runId: string, status: RunView["status"]) =>
  pollUntil(
    () => statusOf(runId),
    (current) => current === status,
  );

/** Completes the run's http step, as the queue consumer would report it. */
const finishShipping = (runId: string) =>
  runStubFor(runId).report({ stepId: "ship", attempt: 1, outcome: { ok: true, output: { status: 201 } } });

let workflow = 0;
/** Saves the definition under a fresh id, so each test has gates of its own. */
async function freshWorkflow(definition: object): Promise<string> {
  const id = `fc-concurrency-${++workflow}`;
  await saveWorkflow(id, definition);
  return id;
}

async function startThree(workflowId: string): Promise<RunView[]> {
  const runs: RunView[] = [];
  for (const order of [1, 2, 3]) runs.push(await startRunThroughApi(workflowId, { input: { order } }));
  return runs;
}

afterEach(() => {
  restoreClock();
  vi.restoreAllMocks();
});

describe("a concurrency limit of 1", () => {
  it("runs the first and queues the second and third, which start in order as each finishes", async () => {
    const [first, second, third] = await startThree(await freshWorkflow(oneAtATime));
    expect([first!.status, second!.status, third!.status]).toEqual(["running", "queued", "queued"]);
    expect(await statusOf(second!.id)).toBe("queued");

    await finishShipping(first!.id);
    await waitForStatus(second!.id, "running");
    expect(await statusOf(third!.id)).toBe("queued");

    await finishShipping(second!.id);
    await waitForStatus(third!.id, "running");
    await finishShipping(third!.id);
    expect(await waitForStatus(third!.id, "succeeded")).toBe("succeeded");
  });

  it("lists queued runs in the index", async () => {
    const workflowId = await freshWorkflow(oneAtATime);
    const [, second] = await startThree(workflowId);
    const { runs } = await expectJson<{ runs: { id: string; status: string }[] }>(
      await call("GET", `/api/runs?workflow=${workflowId}&status=queued`),
      200,
    );
    expect(runs.map((run) => run.id)).toContain(second!.id);
  });

  it("lets a queued run be cancelled: it leaves the queue and the next one starts in its place", async () => {
    const workflowId = await freshWorkflow(oneAtATime);
    const [first, second, third] = await startThree(workflowId);
    const { run: cancelled } = await expectJson<{ run: RunView }>(
      await call("POST", `/api/runs/${second!.id}/cancel`),
      200,
    );
    expect(cancelled.status).toBe("cancelled");
    const gate = gateStubFor(workflowId);
    await pollUntil(
      () => gate.inspect(),
      (state) => state.waiting.every((run) => run.runId !== second!.id),
    );

    await finishShipping(first!.id);
    await waitForStatus(third!.id, "running");
    expect(await statusOf(second!.id)).toBe("cancelled");
    expect((await gate.inspect()).admitted.map((run) => run.runId)).toEqual([third!.id]);
  });

  it("sends a redriven run back through its gate: it waits queued for the slot, then runs again", async () => {
    const workflowId = await freshWorkflow(oneAtATime);
    const first = await startRunThroughApi(workflowId, { input: { order: 1 } });
    const second = await startRunThroughApi(workflowId, { input: { order: 2 } });
    await runStubFor(first.id).report({
      stepId: "ship",
      attempt: 1,
      outcome: { ok: false, error: { code: "http_status", message: "404", retryable: false, httpStatus: 404 } },
    });
    expect(await statusOf(first.id)).toBe("failed");
    await waitForStatus(second.id, "running");

    // The slot is the second run's: the redriven first run waits its turn.
    const { run: redriven } = await expectJson<{ run: RunView }>(
      await call("POST", `/api/runs/${first.id}/retry`),
      200,
    );
    expect(redriven).toMatchObject({ status: "queued", attempt: 2 });
    const gate = gateStubFor(workflowId);
    await pollUntil(
      () => gate.inspect(),
      (state) => state.waiting.some((run) => run.runId === first.id),
    );
    expect((await gate.inspect()).admitted.map((run) => run.runId)).toEqual([second.id]);

    await finishShipping(second.id);
    await waitForStatus(first.id, "running");
    expect((await gate.inspect()).admitted.map((run) => run.runId)).toEqual([first.id]);
    await runStubFor(first.id).report({ stepId: "ship", attempt: 2, outcome: { ok: true, output: { status: 201 } } });
    expect(await waitForStatus(first.id, "succeeded")).toBe("succeeded");
    await pollUntil(
      () => gate.inspect(),
      (state) => state.admitted.length === 0 && state.waiting.length === 0,
    );
  });

  it("keeps its queue when the gate's object restarts", async () => {
    const workflowId = await freshWorkflow(oneAtATime);
    const [first, second] = await startThree(workflowId);
    await evictDurableObject(gateStubFor(workflowId));
    await finishShipping(first!.id);
    expect(await waitForStatus(second!.id, "running")).toBe("running");
  });

  it("retries, through the run's alarm, a release the gate could not take", async () => {
    const now = freezeClock();
    const workflowId = await freshWorkflow(oneAtATime);
    const [first, second] = await startThree(workflowId);
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const gates = await runInDurableObject(
      runStubFor(first!.id),
      (instance) => (instance as unknown as { env: Env }).env.GATES,
    );
    const reach = gates.get.bind(gates);
    gates.get = () => {
      throw new Error("gate unreachable");
    };
    try {
      await finishShipping(first!.id);
      await pollUntil(
        async () => logged.mock.calls.some(([message]) => /releasing gate/.test(String(message))),
        (seen) => seen,
      );
    } finally {
      gates.get = reach;
    }
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/releasing gate .* failed/), expect.anything());
    expect(await statusOf(first!.id)).toBe("succeeded");
    expect(await statusOf(second!.id)).toBe("queued");
    expect(
      await pollUntil(
        () => readAlarm(first!.id),
        (alarm) => alarm === now + RELEASE_RETRY_MS,
      ),
    ).toBe(now + RELEASE_RETRY_MS);

    advanceClock(RELEASE_RETRY_MS);
    expect(await runDurableObjectAlarm(runStubFor(first!.id))).toBe(true);
    expect(await waitForStatus(second!.id, "running")).toBe("running");
    expect(
      await pollUntil(
        () => readAlarm(first!.id),
        (alarm) => alarm === null,
      ),
    ).toBeNull();
  });
});

describe("a concurrency limit per key", () => {
  it("isolates keys: one customer's runs do not wait for another's", async () => {
    const workflowId = await freshWorkflow(oneAtATimePerCustomer);
    const acme = await startRunThroughApi(workflowId, { input: { order: 1, customer: "acme" } });
    const globex = await startRunThroughApi(workflowId, { input: { order: 2, customer: "globex" } });
    const acmeAgain = await startRunThroughApi(workflowId, { input: { order: 3, customer: "acme" } });
    expect([acme.status, globex.status, acmeAgain.status]).toEqual(["running", "running", "queued"]);
    await finishShipping(globex.id);
    await waitForStatus(globex.id, "succeeded");
    expect(await statusOf(acmeAgain.id)).toBe("queued");
    await finishShipping(acme.id);
    expect(await waitForStatus(acmeAgain.id, "running")).toBe("running");
  });

  it("with a workflow-wide rate limit too, passes each run through both gates in turn", async () => {
    freezeClock();
    const workflowId = await freshWorkflow(oneAtATimePerCustomerRateLimited);
    const start = (order: number, customer: string) => startRunThroughApi(workflowId, { input: { order, customer } });
    const [acme, globex, acmeAgain, initech] = [
      await start(1, "acme"),
      await start(2, "globex"),
      await start(3, "acme"),
      await start(4, "initech"),
    ];
    expect([acme.status, globex.status, acmeAgain.status, initech.status]).toEqual([
      "running",
      "running",
      "queued",
      "queued",
    ]);
    expect((await gateStubFor(`${workflowId}#rateLimit`).inspect()).waiting.map((run) => run.runId)).toEqual([
      initech.id,
    ]);

    await finishShipping(acme.id);
    await waitForStatus(acme.id, "succeeded");
    const rateGate = gateStubFor(`${workflowId}#rateLimit`);
    await pollUntil(
      () => rateGate.inspect(),
      (state) => state.waiting.length === 2,
    );
    expect(await statusOf(acmeAgain.id)).toBe("queued");

    advanceClock(RATE_PERIOD_MS);
    await runDurableObjectAlarm(rateGate);
    expect([await statusOf(initech.id), await statusOf(acmeAgain.id)]).toEqual(["running", "running"]);
  });

  it("answers 422, starting nothing, when the key cannot be evaluated on the input", async () => {
    const workflowId = await freshWorkflow({
      ...oneAtATimePerCustomer,
      concurrency: { limit: 1, key: "$error('no customer')" },
    });
    const problem = await expectProblem(
      await call("POST", `/api/workflows/${workflowId}/runs`, { json: { input: { order: 1 } } }),
      422,
      "validation_failed",
    );
    expect(problem.issues).toEqual([{ path: "concurrency.key", message: expect.stringMatching(/no customer/) }]);
    const { runs } = await expectJson<{ runs: unknown[] }>(await call("GET", `/api/runs?workflow=${workflowId}`), 200);
    expect(runs).toEqual([]);
  });
});
