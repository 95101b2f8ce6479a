// The guarantees of docs/durability.md under a crash: `wrangler dev` (wrangler and workerd together) is
// SIGKILLed while runs sleep and while their HTTP calls are in flight, then restarted on
// the same state folder. Every run must finish, each step's effect keyed once, its
// output recorded once.
import { describe, expect, it } from "vitest";
import { CRASH_STEPS, crashRecovery } from "../fixtures/e2e/crash-recovery";
import { useReceiver, useStack } from "../support/stack";
import { isFinished, stepOf, type RunView } from "../support/waymark-client";

const WAVE = 10;
/** A run counts as asleep only if its sleep has at least this long to go. */
const SAFETY_MS = 200;
const RECOVERY_TIMEOUT_MS = 60_000;

const stack = useStack("durability");
const receiver = useReceiver();

const api = () => stack.current.api;
const startWave = () => Promise.all(Array.from({ length: WAVE }, () => api().startRun("e2e-crash-recovery")));

/** Polls every unfinished run each round until all have a final status. */
async function waitForAll(ids: string[], timeoutMs: number): Promise<RunView[]> {
  const finished = new Map<string, RunView>();
  const deadline = Date.now() + timeoutMs;
  while (finished.size < ids.length) {
    const pending = ids.filter((id) => !finished.has(id));
    for (const run of await Promise.all(pending.map((id) => api().getRun(id))))
      if (isFinished(run)) finished.set(run.id, run);
    if (finished.size === ids.length) break;
    if (Date.now() > deadline)
      throw new Error(
        `${ids.length - finished.size} of ${ids.length} runs unfinished after ${timeoutMs} ms: ${pending.join(", ")}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return ids.map((id) => finished.get(id)!);
}

describe("a crash of the whole stack", () => {
  let runIds: string[] = [];
  let runs: RunView[] = [];

  it("loses no run: sleeping and mid-call runs all succeed after a SIGKILL and restart", async () => {
    await api().putWorkflow(crashRecovery(receiver.current.url));
    const inFlight = () => receiver.current.requestsTo("/slow").filter((r) => r.completedAt === null);

    // Wave A reaches its slow call while wave B is still asleep; then the process dies.
    const waveA = await startWave();
    await receiver.current.waitFor(() => inFlight().length > 0, 20_000, "wave A's first slow call");
    const waveB = await startWave();
    runIds = [...waveA, ...waveB].map((run) => run.id);
    const asleep = () =>
      waveB.filter(
        (run) =>
          stepOf(run, "nap").status === "waiting" &&
          Date.parse(run.createdAt) + CRASH_STEPS.sleepMs - SAFETY_MS > Date.now(),
      );
    // Local queues deliver one batch at a time: between two batches nothing may be in flight for a moment.
    await receiver.current.waitFor(
      () => inFlight().length > 0 && asleep().length > 0,
      5_000,
      "a slow call in flight while wave B sleeps",
    );
    const inFlightAtKill = inFlight();
    const asleepAtKill = asleep().length;
    const killedAt = Date.now();
    await stack.current.kill();
    expect(inFlightAtKill.length, "slow calls in flight when killed").toBeGreaterThan(0);
    expect(asleepAtKill, "runs asleep when killed").toBeGreaterThan(0);
    await receiver.current.waitFor(
      () => inFlightAtKill.every((r) => r.completedAt !== null),
      5_000,
      "the killed process's connections to close",
    );
    const cutOff = inFlightAtKill.filter((r) => r.aborted).length;

    const restartStartedAt = Date.now();
    await stack.current.restart();
    const restartedAt = Date.now();
    runs = await waitForAll(runIds, RECOVERY_TIMEOUT_MS);
    const recoveredAt = Date.now();

    const timedOutAttempts = runs
      .flatMap((run) => run.steps.flatMap((s) => s.attempts))
      .filter((a) => a.error?.code === "timed_out").length;
    console.log(
      [
        `crash recovery: ${runIds.length} runs; at the kill ${inFlightAtKill.length} slow calls in flight, ${asleepAtKill} runs asleep`,
        `  slow calls cut off by the kill: ${cutOff}; attempts failed as timed_out: ${timedOutAttempts}`,
        `  wrangler dev restart: ${restartedAt - restartStartedAt} ms; restart → all finished: ${recoveredAt - restartedAt} ms; kill → all finished: ${recoveredAt - killedAt} ms`,
        `  repeat deliveries of an Idempotency-Key: ${receiver.current.repeatedDeliveries()} (of ${receiver.current.requests.length} requests)`,
      ].join("\n"),
    );
    expect(runs.map((run) => [run.id, run.status])).toEqual(runIds.map((id) => [id, "succeeded"]));
  });

  it("keyed every step's calls with one Idempotency-Key, <runId>:<stepId>", () => {
    expect(runs, "the crash test ran").toHaveLength(2 * WAVE);
    for (const id of runIds) {
      for (const stepId of CRASH_STEPS.http) {
        const calls = receiver.current.requests.filter((r) => r.query.run === id && r.query.step === stepId);
        expect(calls.length, `${id}/${stepId} was called`).toBeGreaterThan(0);
        expect(receiver.current.idempotencyKeys(calls).map((k) => k.key)).toEqual([`${id}:${stepId}`]);
      }
    }
  });

  it("recorded each step's output once: one succeeded attempt, from an answer the receiver gave", () => {
    expect(runs, "the crash test ran").toHaveLength(2 * WAVE);
    for (const run of runs) {
      expect(stepOf(run, CRASH_STEPS.sleep).attempts.filter((a) => a.status === "succeeded")).toHaveLength(1);
      for (const stepId of CRASH_STEPS.http) {
        const step = stepOf(run, stepId);
        expect(
          step.attempts.filter((a) => a.status === "succeeded"),
          `${run.id}/${stepId}`,
        ).toHaveLength(1);
        const answered = receiver.current.requests.filter(
          (r) => r.query.run === run.id && r.query.step === stepId && r.status === 200 && !r.aborted,
        );
        const output = step.output as { status: number; body: { seq: number; query: Record<string, string> } };
        expect(output.status).toBe(200);
        expect(output.body.query).toMatchObject({ run: run.id, step: stepId });
        expect(answered.map((r) => r.seq)).toContain(output.body.seq);
      }
      // notify was rendered from the slow output the run recorded, not from another answer.
      const notify = stepOf(run, "notify").output as { body: { body: { slowSeq: number } } };
      expect(notify.body.body.slowSeq).toBe((stepOf(run, "slow").output as { body: { seq: number } }).body.seq);
    }
  });

  it("brings the run index in D1 up to date after the crash", async () => {
    expect(runs, "the crash test ran").toHaveLength(2 * WAVE);
    const deadline = Date.now() + 20_000;
    let succeeded = 0;
    while (Date.now() < deadline) {
      const { runs: listed } = await api().listRuns({ workflow: "e2e-crash-recovery", status: "succeeded", limit: 50 });
      succeeded = listed.filter((run) => runIds.includes(run.id)).length;
      if (succeeded === runIds.length) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(succeeded).toBe(runIds.length);
  });
});
