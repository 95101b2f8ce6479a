// Delivery is at least once (docs/durability.md): when the same task arrives twice,
// only the delivery that claims it first carries it out, the step's output is recorded
// once and the step has exactly one succeeded attempt.
// The run sleeps after the call, so duplicates reach a run that is still going.
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { inventoryCallThenNap } from "../fixtures/workflows-api/inventory-call";
import { saveWorkflow } from "../support/workers/api";
import { freezeClock, restoreClock } from "../support/workers/clock";
import { readRun, startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";
import { answerFetch, deliver, jsonResponse } from "../support/workers/tasks";

/** Answers with a body that differs per request, so the recorded output shows which one won. */
function countingInventory() {
  let served = 0;
  return answerFetch(() => jsonResponse({ count: ++served }));
}

const stepSucceededAudits = async (runId: string) =>
  (
    await env.DB.prepare("SELECT action FROM audit_log WHERE run_id = ? AND target = ? AND action = 'step.succeeded'")
      .bind(runId, `run:${runId}/step:call`)
      .all()
  ).results.length;

beforeAll(async () => {
  await saveWorkflow("inventory-dup", inventoryCallThenNap);
});
beforeEach(freezeClock);
afterEach(() => {
  restoreClock();
  vi.restoreAllMocks();
});

describe("the same task delivered twice", () => {
  it("in one batch: both acked, the call made once, one succeeded attempt, one output", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory-dup", { sku: "A-1" });
    const fetchSpy = countingInventory();
    const { result, ids } = await deliver([dispatched[0], dispatched[0]]);
    expect(result.explicitAcks.sort()).toEqual([...ids].sort());
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const step = (await readRun(runId)).steps[0]!;
    expect(step.attempts).toEqual([expect.objectContaining({ n: 1, status: "succeeded" })]);
    expect(step.output).toMatchObject({ body: { count: 1 } });
    await waitForOutboxFlush(runId);
    expect(await stepSucceededAudits(runId)).toBe(1);
  });

  it("again after the step succeeded: not carried out again; the first output stays, with its single attempt", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory-dup", { sku: "A-1" });
    const fetchSpy = countingInventory();
    await deliver(dispatched);
    const first = await readRun(runId);
    const { result, ids } = await deliver(dispatched, { attempts: 2 });
    expect(result.explicitAcks).toEqual(ids);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const again = await readRun(runId);
    expect(again.steps[0]).toEqual(first.steps[0]);
    expect(again.steps[0]).toMatchObject({
      output: { body: { count: 1 } },
      attempts: [expect.objectContaining({ status: "succeeded" })],
    });
    expect(again.status).toBe("waiting");
  });

  it("with a failure the second time: the recorded success stands", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory-dup", { sku: "A-1" });
    answerFetch(() => jsonResponse({ count: 3 }));
    await deliver(dispatched);
    vi.restoreAllMocks();
    answerFetch(() => jsonResponse({ error: "down" }, 503));
    await deliver(dispatched, { attempts: 2 });
    const run = await readRun(runId);
    expect(run.status).toBe("waiting");
    expect(run.steps[0]).toMatchObject({ status: "succeeded", output: { body: { count: 3 } } });
    expect(run.steps[0]!.attempts).toHaveLength(1);
  });

  it("audits the step's success once", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory-dup", { sku: "A-1" });
    countingInventory();
    await deliver([dispatched[0], dispatched[0]]);
    await deliver(dispatched, { attempts: 2 });
    await waitForOutboxFlush(runId);
    expect(await stepSucceededAudits(runId)).toBe(1);
  });
});
