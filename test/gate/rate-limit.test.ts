// `rateLimit {limit, period}` in the Workers runtime: the starts beyond the
// limit in a sliding period wait `queued`, and the gate's alarm starts them, in order,
// when the window has room. The clock is frozen; the test moves it and fires the alarm.
import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunView } from "../../src/core/engine/run-view";
import { RATE_PERIOD_MS, rateLimited } from "../fixtures/flow-control/flow-controlled";
import { getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";

const gateStubFor = (name: string) => env.GATES.get(env.GATES.idFromName(name));
const readGateAlarm = (name: string) =>
  runInDurableObject(gateStubFor(name), (_instance, state) => state.storage.getAlarm());
const statuses = async (runs: RunView[]) => Promise.all(runs.map(async (run) => (await getRun(run.id)).status));

let workflow = 0;
let workflowId: string;
let now: number;
beforeEach(async () => {
  now = freezeClock();
  workflowId = `fc-rate-${++workflow}`;
  await saveWorkflow(workflowId, rateLimited);
});
afterEach(restoreClock);

async function startFour(): Promise<RunView[]> {
  const runs: RunView[] = [];
  for (const n of [1, 2, 3, 4]) runs.push(await startRunThroughApi(workflowId, { input: { n } }));
  return runs;
}

describe("a rate-limited workflow", () => {
  it("starts the limit's worth of runs and queues the excess, with the gate's alarm at the window's end", async () => {
    const runs = await startFour();
    expect(runs.map((run) => run.status)).toEqual(["succeeded", "succeeded", "queued", "queued"]);
    expect(await readGateAlarm(workflowId)).toBe(now + RATE_PERIOD_MS);
  });

  it("has the alarm start the queued runs, in order, once the window allows", async () => {
    const runs = await startFour();
    advanceClock(RATE_PERIOD_MS - 1);
    expect(await runDurableObjectAlarm(gateStubFor(workflowId))).toBe(true);
    expect(await statuses(runs)).toEqual(["succeeded", "succeeded", "queued", "queued"]);

    advanceClock(1);
    await evictDurableObject(gateStubFor(workflowId));
    expect(await runDurableObjectAlarm(gateStubFor(workflowId))).toBe(true);
    expect(await statuses(runs)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    expect((await getRun(runs[2]!.id)).output).toEqual({ echo: { n: 3 } });
    expect(await readGateAlarm(workflowId)).toBeNull();
  });

  it("keeps counting starts already in the window: a later trigger waits for the next opening", async () => {
    const runs = await startFour();
    advanceClock(RATE_PERIOD_MS);
    await runDurableObjectAlarm(gateStubFor(workflowId));
    const late = await startRunThroughApi(workflowId, { input: { n: 5 } });
    expect(late.status).toBe("queued");
    expect(await readGateAlarm(workflowId)).toBe(now + 2 * RATE_PERIOD_MS);
    expect(await statuses(runs)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
  });
});
