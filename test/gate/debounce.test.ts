// `debounce {period}` through the API: a burst of triggers answers one run id,
// the run waits `queued` through the quiet period, and the gate's alarm starts it with
// the last trigger's input. The clock is frozen; the test moves it and fires the alarm.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunView } from "../../src/core/engine/run-view";
import { debounced, QUIET_PERIOD_MS } from "../fixtures/flow-control/flow-controlled";
import { call, expectJson, getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";

const gateStubFor = (name: string) => env.GATES.get(env.GATES.idFromName(name));
const readGateAlarm = (name: string) =>
  runInDurableObject(gateStubFor(name), (_instance, state) => state.storage.getAlarm());

let workflow = 0;
let workflowId: string;
let now: number;
beforeEach(async () => {
  now = freezeClock();
  workflowId = `fc-debounce-${++workflow}`;
  await saveWorkflow(workflowId, debounced);
});
afterEach(restoreClock);

/** Three triggers a second apart, each with its own input. */
async function burst(): Promise<RunView[]> {
  const runs: RunView[] = [];
  for (const n of [1, 2, 3]) {
    runs.push(await startRunThroughApi(workflowId, { input: { n } }));
    advanceClock(1_000);
  }
  return runs;
}

describe("a debounced workflow", () => {
  it("answers a burst of triggers with one queued run, which takes the last input", async () => {
    const runs = await burst();
    expect(new Set(runs.map((run) => run.id)).size).toBe(1);
    expect(runs.map((run) => run.status)).toEqual(["queued", "queued", "queued"]);
    expect(runs.map((run) => (run as RunView & { debounced?: boolean }).debounced)).toEqual([undefined, true, true]);
    expect(await getRun(runs[0]!.id)).toMatchObject({ status: "queued", input: { n: 3 }, startedAt: null });
    const { runs: listed } = await expectJson<{ runs: unknown[] }>(
      await call("GET", `/api/runs?workflow=${workflowId}`),
      200,
    );
    expect(listed).toHaveLength(1);
  });

  it("starts the run with the last input once the last trigger's quiet period has passed, not before", async () => {
    const [run] = await burst();
    const lastTriggerAt = now + 2_000;
    expect(await readGateAlarm(workflowId)).toBe(lastTriggerAt + QUIET_PERIOD_MS);

    advanceClock(lastTriggerAt + QUIET_PERIOD_MS - 1 - Date.now());
    expect(await runDurableObjectAlarm(gateStubFor(workflowId))).toBe(true);
    expect((await getRun(run!.id)).status).toBe("queued");

    advanceClock(1);
    expect(await runDurableObjectAlarm(gateStubFor(workflowId))).toBe(true);
    expect(await getRun(run!.id)).toMatchObject({ status: "succeeded", input: { n: 3 }, output: { echo: { n: 3 } } });
  });

  it("gives a trigger after the run has started a new run of its own", async () => {
    const [run] = await burst();
    advanceClock(QUIET_PERIOD_MS);
    await runDurableObjectAlarm(gateStubFor(workflowId));
    const next = await startRunThroughApi(workflowId, { input: { n: 4 } });
    expect(next.id).not.toBe(run!.id);
    expect(next.status).toBe("queued");
    expect((await getRun(run!.id)).input).toEqual({ n: 3 });
  });

  it("lets the pending run be cancelled: the next trigger gets a new run", async () => {
    const [run] = await burst();
    await expectJson(await call("POST", `/api/runs/${run!.id}/cancel`), 200);
    const next = await startRunThroughApi(workflowId, { input: { n: 4 } });
    expect(next.id).not.toBe(run!.id);
    expect(await getRun(run!.id)).toMatchObject({ status: "cancelled", input: { n: 3 } });
  });
});
