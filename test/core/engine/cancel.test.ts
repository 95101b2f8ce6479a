// Cancel stops a run; its timers go and late reports are ignored.
import { describe, expect, it } from "vitest";
import { naps } from "../../fixtures/workflows/naps";
import { flakyFetch } from "../../fixtures/workflows/flaky-fetch";
import { RunHarness, T0 } from "./harness";

async function napping(): Promise<RunHarness> {
  const run = new RunHarness(naps, { input: { wakeAt: new Date(T0 + 7_200_000).toISOString() } });
  await run.start();
  return run;
}

describe("cancel", () => {
  it("cancel clears every timer", async () => {
    const run = await napping();
    await run.fail("ping");
    expect(Object.keys(run.state.timers).sort()).toEqual(["retry:ping", "run_timeout:run", "sleep:nap"]);
    await run.send({ type: "cancel", reason: "operator asked" });
    expect(run.state.timers).toEqual({});
  });

  it("cancel cancels every unfinished step and its attempt, and runs no onFailure steps", async () => {
    const run = await napping();
    await run.send({ type: "cancel", reason: "operator asked" });
    expect(run.statuses()).toEqual({
      nap: "cancelled",
      ping: "cancelled",
      until: "cancelled",
      done: "cancelled",
      note: "cancelled",
    });
    expect(run.step("ping").attempts).toMatchObject([{ n: 1, status: "cancelled", finishedAt: T0 }]);
    expect(run.state).toMatchObject({ status: "cancelled", finishedAt: T0 });
    expect(run.effects).toEqual([
      { type: "index" },
      { type: "audit", action: "run.cancelled", detail: { reason: "operator asked" } },
      { type: "finished", status: "cancelled" },
    ]);
  });

  it("a late report after cancel is ignored", async () => {
    const run = await napping();
    await run.send({ type: "cancel" });
    const before = run.state;
    expect(await run.complete("ping", { status: 200 }, { attempt: 1 })).toEqual({ state: before, effects: [] });
  });

  it("cancelling a finished run changes nothing", async () => {
    const run = new RunHarness(flakyFetch, { input: { id: 1 } });
    await run.start();
    await run.complete("fetch", { body: 1 });
    const before = run.state;
    expect(await run.send({ type: "cancel" })).toEqual({ state: before, effects: [] });
    expect(run.state).toBe(before);
  });

  it("a queued run can be cancelled before it starts", async () => {
    const run = new RunHarness(flakyFetch, { input: { id: 1 } });
    await run.send({ type: "cancel" });
    expect(run.state.status).toBe("cancelled");
    expect(await run.start()).toMatchObject({ effects: [] });
  });

  it("a run is started once", async () => {
    const run = new RunHarness(flakyFetch, { input: { id: 1 } });
    await run.start();
    const before = run.state;
    expect(await run.start()).toEqual({ state: before, effects: [] });
  });
});
