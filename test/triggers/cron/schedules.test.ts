// Schedule rows in D1 follow the workflow: saving replaces them, keeping the
// history of unchanged ones; the API shows the next five fire times in each time zone.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Trigger } from "../../../src/core/definition/triggers";
import { database } from "../../../src/db/client";
import { dueSchedulesQuery, listWorkflowSchedules } from "../../../src/db/schedules";
import { runDueSchedules } from "../../../src/triggers/cron/scheduler";
import { schedulesForWorkflow } from "../../../src/triggers/cron/schedules";
import { changeWorkflow, cronWorkflowsCleanedAfterEach } from "./saved-workflow";

const db = database(env.DB);
const at = (iso: string) => Date.parse(iso);
const SAVED = at("2025-06-01T10:50:00Z");
const T = at("2025-06-01T11:00:00Z");
const noStart = async () => undefined;

const saveCronWorkflow = cronWorkflowsCleanedAfterEach(db);

const rowsOf = async (workflowId: string) =>
  (await listWorkflowSchedules(db, workflowId)).map(
    ({ triggerIndex, schedule, timezone, input, nextFireAt, lastFiredAt, enabled }) => ({
      triggerIndex,
      schedule,
      timezone,
      input: JSON.parse(input) as unknown,
      nextFireAt: nextFireAt === null ? null : new Date(nextFireAt).toISOString(),
      lastFiredAt: lastFiredAt === null ? null : new Date(lastFiredAt).toISOString(),
      enabled,
    }),
  );

describe("saving a workflow", () => {
  it("stores one row per cron trigger, counted among cron triggers only", async () => {
    const triggers: Trigger[] = [
      { type: "api" },
      { type: "cron", schedule: "0 * * * *" },
      { type: "webhook", verify: { scheme: "none" } },
      { type: "cron", schedule: "0 9 * * MON-FRI", timezone: "Europe/Paris", input: { report: "daily" } },
    ];
    await saveCronWorkflow(db, "stored", triggers, SAVED);
    expect(await rowsOf("stored")).toEqual([
      {
        triggerIndex: 0,
        schedule: "0 * * * *",
        timezone: "UTC",
        input: {},
        nextFireAt: "2025-06-01T11:00:00.000Z",
        lastFiredAt: null,
        enabled: true,
      },
      {
        triggerIndex: 1,
        schedule: "0 9 * * MON-FRI",
        timezone: "Europe/Paris",
        input: { report: "daily" },
        nextFireAt: "2025-06-02T07:00:00.000Z",
        lastFiredAt: null,
        enabled: true,
      },
    ]);
  });

  it("again keeps an unchanged schedule's history, replaces a changed one and drops a removed one", async () => {
    await saveCronWorkflow(
      db,
      "edited",
      [
        { type: "cron", schedule: "0 * * * *" },
        { type: "cron", schedule: "15 * * * *" },
      ],
      SAVED,
    );
    await runDueSchedules(env, T + 1_000, noStart);
    await saveCronWorkflow(db, "edited", [{ type: "cron", schedule: "0 * * * *", input: { v: 2 } }], T + 120_000);
    expect(await rowsOf("edited")).toEqual([
      {
        triggerIndex: 0,
        schedule: "0 * * * *",
        timezone: "UTC",
        input: { v: 2 },
        nextFireAt: "2025-06-01T12:00:00.000Z",
        lastFiredAt: "2025-06-01T11:00:00.000Z",
        enabled: true,
      },
    ]);
    await saveCronWorkflow(db, "edited", [{ type: "cron", schedule: "30 * * * *", input: { v: 3 } }], T + 180_000);
    expect(await rowsOf("edited")).toEqual([
      {
        triggerIndex: 0,
        schedule: "30 * * * *",
        timezone: "UTC",
        input: { v: 3 },
        nextFireAt: "2025-06-01T11:30:00.000Z",
        lastFiredAt: null,
        enabled: true,
      },
    ]);
  });

  it("without cron triggers leaves no rows", async () => {
    await saveCronWorkflow(db, "dropped", [{ type: "cron", schedule: "0 * * * *" }], SAVED);
    await saveCronWorkflow(db, "dropped", [{ type: "api" }], SAVED + 1_000);
    expect(await rowsOf("dropped")).toEqual([]);
  });
});

describe("the next fire times the API shows", () => {
  it("are five ISO times per schedule, in its time zone", async () => {
    await saveCronWorkflow(
      db,
      "shown",
      [
        { type: "cron", schedule: "0 9 * * MON-FRI", timezone: "Europe/Paris" },
        { type: "cron", schedule: "*/20 * * * *" },
      ],
      SAVED,
    );
    expect(await schedulesForWorkflow(db, "shown", at("2025-06-06T12:00:00Z"))).toEqual([
      {
        schedule: "0 9 * * MON-FRI",
        timezone: "Europe/Paris",
        next: [
          "2025-06-09T07:00:00.000Z",
          "2025-06-10T07:00:00.000Z",
          "2025-06-11T07:00:00.000Z",
          "2025-06-12T07:00:00.000Z",
          "2025-06-13T07:00:00.000Z",
        ],
      },
      {
        schedule: "*/20 * * * *",
        timezone: "UTC",
        next: [
          "2025-06-06T12:20:00.000Z",
          "2025-06-06T12:40:00.000Z",
          "2025-06-06T13:00:00.000Z",
          "2025-06-06T13:20:00.000Z",
          "2025-06-06T13:40:00.000Z",
        ],
      },
    ]);
  });

  it("are none while the workflow is disabled", async () => {
    const triggers: Trigger[] = [{ type: "cron", schedule: "0 9 * * *" }];
    await saveCronWorkflow(db, "shown-disabled", triggers, SAVED);
    await changeWorkflow(db, "shown-disabled", triggers, { enabled: false }, SAVED);
    expect(await schedulesForWorkflow(db, "shown-disabled", SAVED)).toEqual([
      { schedule: "0 9 * * *", timezone: "UTC", next: [] },
    ]);
  });
});

describe("the due-schedules query", () => {
  it("reads the schedules_due index instead of scanning the table", async () => {
    const { sql, params } = dueSchedulesQuery(db, T, 100).toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const details = plan.results.map((row) => row.detail).join("\n");
    expect(details).toMatch(/SEARCH schedules USING INDEX schedules_due \(enabled=\? AND next_fire_at<\?\)/);
    expect(details).not.toMatch(/SCAN schedules/);
  });
});
