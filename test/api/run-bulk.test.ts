// Bulk retry and rerun: POST /api/runs/retry and /rerun act on every run
// matching a filter (workflow, status, since) and report the outcome per run, a page at a
// time: the answer says how many matched and how many were acted on, and a nextCursor the
// caller sends back (with the same filter) for the next page.
import { afterEach, describe, expect, it } from "vitest";
import type { RunView } from "../../src/core/engine/run-view";
import { failOnDemand } from "../fixtures/workflows-api/fail-on-demand";
import { call, expectJson, expectProblem, getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { waitForOutboxFlush } from "../support/workers/runs";

interface BulkOutcome {
  matched: number;
  acted: number;
  runs: Array<{ id: string; ok: boolean; runId?: string; error?: string }>;
  nextCursor: string | null;
}

async function startSettled(workflow: string, input: unknown): Promise<RunView> {
  const run = await startRunThroughApi(workflow, { input });
  await waitForOutboxFlush(run.id);
  return run;
}

afterEach(restoreClock);

const bulk = async (action: "retry" | "rerun", filter: unknown) =>
  expectJson<BulkOutcome>(await call("POST", `/api/runs/${action}`, { json: filter }), 200);

describe("bulk retry", () => {
  it("retries in place every run matching workflow and status, and no other", async () => {
    await saveWorkflow("bulk-retry", failOnDemand);
    await saveWorkflow("bulk-retry-other", failOnDemand);
    const failed = [await startSettled("bulk-retry", { fail: true }), await startSettled("bulk-retry", { fail: true })];
    const succeeded = await startSettled("bulk-retry", { n: 1 });
    const elsewhere = await startSettled("bulk-retry-other", { fail: true });

    const outcome = await bulk("retry", { workflow: "bulk-retry", status: "failed" });
    expect(outcome.matched).toBe(2);
    expect(outcome.runs).toEqual(expect.arrayContaining(failed.map((run) => ({ id: run.id, ok: true }))));
    for (const run of failed) expect((await getRun(run.id)).attempt).toBe(2);
    expect((await getRun(succeeded.id)).attempt).toBe(1);
    expect((await getRun(elsewhere.id)).attempt).toBe(1);
  });

  it("reports each run it could not retry, with the reason", async () => {
    await saveWorkflow("bulk-retry-mixed", failOnDemand);
    const failed = await startSettled("bulk-retry-mixed", { fail: true });
    const succeeded = await startSettled("bulk-retry-mixed", { n: 1 });
    const outcome = await bulk("retry", { workflow: "bulk-retry-mixed" });
    expect(outcome.matched).toBe(2);
    expect(outcome.runs).toEqual(
      expect.arrayContaining([
        { id: failed.id, ok: true },
        { id: succeeded.id, ok: false, error: expect.stringMatching(/succeeded/) },
      ]),
    );
  });

  it("matches nothing when nothing fits the filter", async () => {
    expect(await bulk("retry", { workflow: "bulk-nobody", status: "failed" })).toEqual({
      matched: 0,
      acted: 0,
      runs: [],
      nextCursor: null,
    });
  });

  // 103 real runs take a few seconds to start and settle.
  it("acts on more than 100 matching runs, a page at a time, telling how many matched", async () => {
    const workflow = "bulk-retry-many";
    await saveWorkflow(workflow, failOnDemand);
    const failed: RunView[] = [];
    for (let first = 0; first < 103; first += 10) {
      const ns = Array.from({ length: Math.min(10, 103 - first) }, (_, offset) => first + offset);
      failed.push(...(await Promise.all(ns.map((n) => startSettled(workflow, { fail: true, n })))));
    }

    const first = await bulk("retry", { workflow, status: "failed" });
    expect(first).toMatchObject({ matched: 103, acted: 100, nextCursor: expect.any(String) });
    expect(first.runs).toHaveLength(100);
    const second = await bulk("retry", { workflow, status: "failed", cursor: first.nextCursor });
    expect(second).toMatchObject({ acted: 3, nextCursor: null });

    const retried = [...first.runs, ...second.runs];
    expect(retried.every((run) => run.ok)).toBe(true);
    expect(new Set(retried.map((run) => run.id))).toEqual(new Set(failed.map((run) => run.id)));
    for (const run of failed.slice(0, 3)) expect((await getRun(run.id)).attempt).toBe(2);
  }, 60_000);

  it("counts what it could not act on as matched but not acted", async () => {
    await saveWorkflow("bulk-retry-count", failOnDemand);
    await startSettled("bulk-retry-count", { fail: true });
    await startSettled("bulk-retry-count", { n: 1 });
    expect(await bulk("retry", { workflow: "bulk-retry-count" })).toMatchObject({
      matched: 2,
      acted: 1,
      nextCursor: null,
    });
  });
});

describe("bulk rerun", () => {
  it("starts one new run per matching run, each linked to its original", async () => {
    await saveWorkflow("bulk-rerun", failOnDemand);
    const failed = [
      await startSettled("bulk-rerun", { fail: true, n: 1 }),
      await startSettled("bulk-rerun", { fail: true, n: 2 }),
    ];
    await startSettled("bulk-rerun", { n: 3 });

    const outcome = await bulk("rerun", { workflow: "bulk-rerun", status: "failed" });
    expect(outcome.matched).toBe(2);
    for (const original of failed) {
      const entry = outcome.runs.find((run) => run.id === original.id);
      expect(entry).toMatchObject({ ok: true, runId: expect.stringMatching(/^run_/) });
      const fresh = await getRun(entry!.runId!);
      expect(fresh).toMatchObject({ rerunOf: original.id, input: original.input });
    }
  });

  it("honours since: only runs created at or after it", async () => {
    await saveWorkflow("bulk-since", failOnDemand);
    freezeClock();
    await startSettled("bulk-since", { fail: true });
    advanceClock(60_000);
    const recent = await startSettled("bulk-since", { fail: true });
    const outcome = await bulk("rerun", { workflow: "bulk-since", since: recent.createdAt });
    expect(outcome.runs.map((run) => run.id)).toEqual([recent.id]);
  });

  it("pages with limit and cursor, newest first, never rerunning the runs it started", async () => {
    await saveWorkflow("bulk-rerun-pages", failOnDemand);
    const originals: RunView[] = [];
    for (const n of [1, 2, 3]) originals.push(await startSettled("bulk-rerun-pages", { n }));
    const newestFirst = originals.map((run) => run.id).reverse();

    const first = await bulk("rerun", { workflow: "bulk-rerun-pages", limit: 2 });
    expect(first).toMatchObject({ matched: 3, acted: 2, nextCursor: newestFirst[1] });
    expect(first.runs.map((run) => run.id)).toEqual(newestFirst.slice(0, 2));
    const second = await bulk("rerun", { workflow: "bulk-rerun-pages", limit: 2, cursor: first.nextCursor });
    expect(second).toMatchObject({ acted: 1, nextCursor: null });
    expect(second.runs.map((run) => run.id)).toEqual(newestFirst.slice(2));
  });
});

describe("a bulk request", () => {
  it("refuses unknown filter fields with 422 and a bad status with 422", async () => {
    const unknown = await expectProblem(
      await call("POST", "/api/runs/retry", { json: { workflow: "x", colour: "red" } }),
      422,
      "validation_failed",
    );
    expect(unknown.issues).toEqual([expect.objectContaining({ path: "colour" })]);
    const status = await expectProblem(
      await call("POST", "/api/runs/rerun", { json: { status: "sleeping" } }),
      422,
      "validation_failed",
    );
    expect(status.issues).toEqual([expect.objectContaining({ path: "status" })]);
  });

  it("refuses a cursor that is not a run id and a limit over 100 with 422", async () => {
    const cursor = await expectProblem(
      await call("POST", "/api/runs/retry", { json: { cursor: "yesterday" } }),
      422,
      "validation_failed",
    );
    expect(cursor.issues).toEqual([expect.objectContaining({ path: "cursor" })]);
    const limit = await expectProblem(
      await call("POST", "/api/runs/rerun", { json: { limit: 101 } }),
      422,
      "validation_failed",
    );
    expect(limit.issues).toEqual([expect.objectContaining({ path: "limit" })]);
  });
});
