// The cron scheduler against D1 and the run's Durable Object: each scheduled
// time starts exactly one run, whose id is derived from it; after downtime at most one
// catch-up; disabled or archived workflows start nothing; overlapping ticks are harmless; a
// tick that dies loses no scheduled time; every due schedule starts in one tick.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/problem";
import type { CronTrigger } from "../../../src/core/definition/triggers";
import { database } from "../../../src/db/client";
import { and, eq } from "drizzle-orm";
import { advanceSchedule, listWorkflowSchedules } from "../../../src/db/schedules";
import { schedules } from "../../../src/db/schema";
import { listRuns } from "../../../src/db/runs";
import { updateWorkflow } from "../../../src/db/workflows";
import { deterministicRunId } from "../../../src/run/ids";
import { runDueSchedules, scheduledRunId } from "../../../src/triggers/cron/scheduler";
import { startRun, type StartRunRequest } from "../../../src/run/start-run";
import { changeWorkflow, cronWorkflowsCleanedAfterEach } from "./saved-workflow";
import { readRun } from "../../support/workers/runs";

const db = database(env.DB);
const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
/** Saved 10 minutes before the first scheduled time, T. */
const SAVED = at("2025-06-01T10:50:00Z");
const T = at("2025-06-01T11:00:00Z");
const hourly: CronTrigger = { type: "cron", schedule: "0 * * * *", input: { report: "hourly" } };

const saveCronWorkflow = cronWorkflowsCleanedAfterEach(db);

/** A stand-in for startRun that records what it was asked to start. */
function recordingStart(fail?: (request: StartRunRequest) => Error | undefined) {
  const requests: StartRunRequest[] = [];
  const start = async (_env: Env, request: StartRunRequest) => {
    const error = fail?.(request);
    if (error) throw error;
    const { listWith: _listWith, ...asked } = request;
    requests.push(asked);
  };
  return { requests, start, scheduledTimes: () => requests.map((request) => request.trigger.scheduledTime) };
}

async function scheduleRow(workflowId: string, triggerIndex = 0) {
  const rows = await listWorkflowSchedules(db, workflowId);
  return rows.find((row) => row.triggerIndex === triggerIndex);
}

describe("a schedule at its time", () => {
  it("starts one run with the derived run id, the cron trigger and the literal input", async () => {
    await saveCronWorkflow(db, "hourly-report", [{ type: "api" }, hourly], SAVED);
    const { requests, start } = recordingStart();
    const report = await runDueSchedules(env, T + 250, start);
    const runId = await deterministicRunId(T, `hourly-report:0:${T}`);
    expect(requests).toEqual([
      {
        workflowId: "hourly-report",
        input: { report: "hourly" },
        runId,
        trigger: { type: "cron", schedule: "0 * * * *", timezone: "UTC", scheduledTime: "2025-06-01T11:00:00.000Z" },
      },
    ]);
    expect(report).toEqual({ started: [runId], failed: [] });
    expect(await scheduleRow("hourly-report")).toMatchObject({ nextFireAt: T + HOUR, lastFiredAt: T });
  });

  it("starts nothing before its time, nor again at later ticks before the next time", async () => {
    await saveCronWorkflow(db, "hourly-ticks", [hourly], SAVED);
    const { start, scheduledTimes } = recordingStart();
    await runDueSchedules(env, T - 1, start);
    expect(scheduledTimes()).toEqual([]);
    for (const tick of [T, T + 1_000, T + 60_000, T + HOUR - 1]) await runDueSchedules(env, tick, start);
    await runDueSchedules(env, T + HOUR, start);
    expect(scheduledTimes()).toEqual(["2025-06-01T11:00:00.000Z", "2025-06-01T12:00:00.000Z"]);
  });

  it("derives a different run id for each scheduled time and each cron trigger", async () => {
    await saveCronWorkflow(db, "two-crons", [hourly, { type: "cron", schedule: "0 */2 * * *" }], SAVED);
    const { requests, start } = recordingStart();
    await runDueSchedules(env, T, start);
    await runDueSchedules(env, T + HOUR, start);
    expect(requests.map((request) => [request.trigger.scheduledTime, request.runId])).toEqual([
      ["2025-06-01T11:00:00.000Z", await scheduledRunId("two-crons", 0, T)],
      ["2025-06-01T12:00:00.000Z", await scheduledRunId("two-crons", 0, T + HOUR)],
      ["2025-06-01T12:00:00.000Z", await scheduledRunId("two-crons", 1, T + HOUR)],
    ]);
    expect(new Set(requests.map((request) => request.runId)).size).toBe(3);
  });
});

describe("after downtime", () => {
  it("starts one catch-up run, for the latest missed time, then keeps the schedule", async () => {
    await saveCronWorkflow(db, "missed", [hourly], SAVED);
    const { start, scheduledTimes } = recordingStart();
    await runDueSchedules(env, T + 5.5 * HOUR, start);
    expect(scheduledTimes()).toEqual(["2025-06-01T16:00:00.000Z"]);
    expect(await scheduleRow("missed")).toMatchObject({ nextFireAt: T + 6 * HOUR, lastFiredAt: T + 5 * HOUR });
    await runDueSchedules(env, T + 6 * HOUR, start);
    expect(scheduledTimes()).toEqual(["2025-06-01T16:00:00.000Z", "2025-06-01T17:00:00.000Z"]);
  });
});

describe("a disabled or archived workflow", () => {
  it("disabling stops its schedules", async () => {
    await saveCronWorkflow(db, "paused", [hourly], SAVED);
    await changeWorkflow(db, "paused", [hourly], { enabled: false }, SAVED + 60_000);
    expect(await scheduleRow("paused")).toMatchObject({ enabled: false, nextFireAt: null });
    const { start, scheduledTimes } = recordingStart();
    await runDueSchedules(env, T + 3 * HOUR, start);
    expect(scheduledTimes()).toEqual([]);
  });

  it("starts nothing even while its schedule rows are still enabled", async () => {
    await saveCronWorkflow(db, "paused-unsynced", [hourly], SAVED);
    await updateWorkflow(db, "paused-unsynced", { enabled: false }, SAVED + 60_000);
    const { start, scheduledTimes } = recordingStart();
    await runDueSchedules(env, T, start);
    expect(scheduledTimes()).toEqual([]);
  });

  it("archiving stops its schedules", async () => {
    await saveCronWorkflow(db, "archived", [hourly], SAVED);
    await changeWorkflow(db, "archived", [hourly], { archivedAt: SAVED + 60_000 }, SAVED + 60_000);
    const { start, scheduledTimes } = recordingStart();
    await runDueSchedules(env, T + HOUR, start);
    expect(scheduledTimes()).toEqual([]);
  });

  it("enabled again, fires from then on without catching up the time spent disabled", async () => {
    await saveCronWorkflow(db, "resumed", [hourly], SAVED);
    await changeWorkflow(db, "resumed", [hourly], { enabled: false }, SAVED + 60_000);
    await changeWorkflow(db, "resumed", [hourly], { enabled: true }, T + 3.5 * HOUR);
    const { start, scheduledTimes } = recordingStart();
    await runDueSchedules(env, T + 3.5 * HOUR, start);
    expect(scheduledTimes()).toEqual([]);
    await runDueSchedules(env, T + 4 * HOUR, start);
    expect(scheduledTimes()).toEqual(["2025-06-01T15:00:00.000Z"]);
  });
});

describe("overlapping invocations", () => {
  it("two ticks at once start one run per scheduled time", async () => {
    await saveCronWorkflow(db, "overlap", [hourly], SAVED);
    const runId = await scheduledRunId("overlap", 0, T);
    const reports = await Promise.all([runDueSchedules(env, T), runDueSchedules(env, T)]);
    // Both may ask for the run; its object creates it once, and one of them moves the schedule on.
    expect(reports.flatMap((report) => report.started)).toEqual([runId]);
    const indexed = await listRuns(db, { workflow: "overlap", limit: 10 });
    expect(indexed.map((row) => row.id)).toEqual([runId]);
    expect(await scheduleRow("overlap")).toMatchObject({ nextFireAt: T + HOUR, lastFiredAt: T });
  });

  it("a tick that runs while another is starting the run asks for the same run id, and one moves the schedule on", async () => {
    await saveCronWorkflow(db, "overlap-nested", [hourly], SAVED);
    const inner = recordingStart();
    let innerReport: Awaited<ReturnType<typeof runDueSchedules>> | undefined;
    const outer = recordingStart();
    const outerReport = await runDueSchedules(env, T, async (runEnv, request) => {
      innerReport ??= await runDueSchedules(env, T + 500, inner.start);
      await outer.start(runEnv, request);
    });
    const runId = await scheduledRunId("overlap-nested", 0, T);
    expect(outer.requests.map((request) => request.runId)).toEqual([runId]);
    expect(inner.requests.map((request) => request.runId)).toEqual([runId]);
    expect([...innerReport!.started, ...outerReport.started]).toEqual([runId]);
  });

  it("of two advances read from the same row, only one moves it", async () => {
    await saveCronWorkflow(db, "claimed", [hourly], SAVED);
    const advance = { workflowId: "claimed", triggerIndex: 0, from: T, to: T + HOUR, firedAt: T, now: T };
    expect(await Promise.all([advanceSchedule(db, advance), advanceSchedule(db, advance)])).toEqual(
      expect.arrayContaining([true, false]),
    );
  });
});

describe("failures", () => {
  it("a start that fails for a passing reason is tried again at the next tick, under the same run id", async () => {
    await saveCronWorkflow(db, "flaky", [hourly], SAVED);
    let failures = 1;
    const { requests, start } = recordingStart(() => (failures-- > 0 ? new Error("D1_ERROR: overloaded") : undefined));
    expect(await runDueSchedules(env, T, start)).toEqual({ started: [], failed: ["flaky#0"] });
    expect(await scheduleRow("flaky")).toMatchObject({ nextFireAt: T, lastFiredAt: null });
    await runDueSchedules(env, T + 60_000, start);
    expect(requests.map((request) => request.runId)).toEqual([await scheduledRunId("flaky", 0, T)]);
  });

  it("a start refused for good spends its scheduled time", async () => {
    await saveCronWorkflow(db, "refused", [hourly], SAVED);
    const { start, scheduledTimes } = recordingStart((request) =>
      request.trigger.scheduledTime === "2025-06-01T11:00:00.000Z"
        ? new AppError("validation_failed", "the input does not match")
        : undefined,
    );
    await runDueSchedules(env, T, start);
    await runDueSchedules(env, T + 60_000, start);
    expect(scheduledTimes()).toEqual([]);
    expect(await scheduleRow("refused")).toMatchObject({ nextFireAt: T + HOUR, lastFiredAt: T });
  });

  it("one schedule's failure does not stop the others", async () => {
    await saveCronWorkflow(db, "breaks", [{ type: "cron", schedule: "30 10 * * *" }], at("2025-06-01T10:00:00Z"));
    await saveCronWorkflow(db, "works", [hourly], SAVED);
    const { start, requests } = recordingStart((request) =>
      request.workflowId === "breaks" ? new Error("boom") : undefined,
    );
    const report = await runDueSchedules(env, T, start);
    expect(report.failed).toEqual(["breaks#0"]);
    expect(requests.map((request) => request.workflowId)).toEqual(["works"]);
  });
});

/**
 * D1 as an invocation that is being evicted sees it: every call fails once `isEvicted()`
 * holds, so nothing the tick meant to do after that point (a write, a give-back) happens.
 */
function evictable(d1: D1Database, isEvicted: () => boolean): D1Database {
  return new Proxy(d1, {
    get: (target, key) => {
      const value = Reflect.get(target, key) as unknown;
      if (typeof value !== "function") return value;
      if (isEvicted())
        return () => {
          throw new Error("the invocation was evicted");
        };
      return value.bind(target);
    },
  });
}

describe("a tick that dies", () => {
  it("as it asks for its run's start: the next tick starts that run, under the same run id, once", async () => {
    await saveCronWorkflow(db, "evicted-at-start", [hourly], SAVED);
    let evicted = false;
    const dying = { ...env, DB: evictable(env.DB, () => evicted) };
    await runDueSchedules(dying, T, async () => {
      evicted = true;
      throw new Error("the invocation was evicted");
    }).catch(() => undefined);
    const runId = await scheduledRunId("evicted-at-start", 0, T);
    expect(await runDueSchedules(env, T + 60_000)).toEqual({ started: [runId], failed: [] });
    expect((await readRun(runId)).trigger).toMatchObject({ scheduledTime: "2025-06-01T11:00:00.000Z" });
    const indexed = await listRuns(db, { workflow: "evicted-at-start", limit: 10 });
    expect(indexed.map((row) => row.id)).toEqual([runId]);
    expect(await scheduleRow("evicted-at-start")).toMatchObject({ nextFireAt: T + HOUR, lastFiredAt: T });
  });

  it("once its run started, before the schedule moved on: the next tick reaches the same run and starts no other", async () => {
    await saveCronWorkflow(db, "evicted-after-start", [hourly], SAVED);
    let evicted = false;
    const dying = { ...env, DB: evictable(env.DB, () => evicted) };
    await runDueSchedules(dying, T, async (runEnv, request) => {
      await startRun(runEnv, request);
      evicted = true;
    }).catch(() => undefined);
    const runId = await scheduledRunId("evicted-after-start", 0, T);
    const createdAt = (await readRun(runId)).createdAt;
    await runDueSchedules(env, T + 60_000);
    expect((await readRun(runId)).createdAt).toBe(createdAt);
    const indexed = await listRuns(db, { workflow: "evicted-after-start", limit: 10 });
    expect(indexed.map((row) => row.id)).toEqual([runId]);
    expect(await scheduleRow("evicted-after-start")).toMatchObject({ nextFireAt: T + HOUR, lastFiredAt: T });
  });
});

describe("many due schedules", () => {
  it("all start in one tick: 150 schedules of 30 workflows", async () => {
    const triggers = Array.from({ length: 5 }, (_, n): CronTrigger => ({ ...hourly, input: { n } }));
    const ids = Array.from({ length: 30 }, (_, i) => `crowd-${String(i).padStart(2, "0")}`);
    for (const id of ids) await saveCronWorkflow(db, id, triggers, SAVED);
    const { requests, start } = recordingStart();
    const report = await runDueSchedules(env, T, start);
    const crowd = requests.filter((request) => request.workflowId.startsWith("crowd-"));
    expect(crowd).toHaveLength(150);
    expect(new Set(crowd.map((request) => request.runId)).size).toBe(150);
    expect(report.failed).toEqual([]);
    for (const id of ids)
      expect((await listWorkflowSchedules(db, id)).map((row) => row.nextFireAt)).toEqual(Array(5).fill(T + HOUR));
  });
});

describe("with the real startRun", () => {
  it("starts the run in its Durable Object, and a repeated firing of the same time starts nothing new", async () => {
    await saveCronWorkflow(db, "real-cron", [hourly], SAVED);
    const runId = await scheduledRunId("real-cron", 0, T);
    expect(await runDueSchedules(env, T)).toEqual({ started: [runId], failed: [] });
    const run = await readRun(runId);
    expect(run).toMatchObject({
      workflow: "real-cron",
      status: "succeeded",
      input: { report: "hourly" },
      output: { echo: { report: "hourly" } },
    });
    expect(run.trigger).toEqual({
      type: "cron",
      schedule: "0 * * * *",
      timezone: "UTC",
      scheduledTime: "2025-06-01T11:00:00.000Z",
    });

    // A retried or overlapping invocation that fires 11:00 again (as if the schedule had not moved on) reaches the same run.
    await db
      .update(schedules)
      .set({ nextFireAt: T, lastFiredAt: null })
      .where(and(eq(schedules.workflowId, "real-cron"), eq(schedules.triggerIndex, 0)));
    expect(await runDueSchedules(env, T + 30_000)).toEqual({ started: [runId], failed: [] });
    const indexed = await listRuns(db, { workflow: "real-cron", limit: 10 });
    expect(indexed.map((row) => [row.id, row.triggerType])).toEqual([[runId, "cron"]]);
    expect((await readRun(runId)).createdAt).toBe(run.createdAt);
  });
});
