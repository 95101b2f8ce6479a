// What the scheduler decides without I/O: a due schedule fires once, for its latest
// missed time (one catch-up after downtime), and cron triggers become schedule rows.
import { describe, expect, it } from "vitest";
import type { CronTrigger } from "../../../src/core/definition/triggers";
import { planScheduleFiring, planScheduleSync, type ScheduleRowState } from "../../../src/triggers/cron/plan";

const at = (iso: string) => Date.parse(iso);
const hourly = { schedule: "0 * * * *", timezone: "UTC" };

describe("firing a schedule", () => {
  it.each([
    { name: "nothing before its time", nextFireAt: "2025-06-01T11:00:00Z", now: "2025-06-01T10:59:59.999Z" },
    { name: "nothing when no time is pending", nextFireAt: null, now: "2025-06-01T11:00:00Z" },
  ])("does $name", ({ nextFireAt, now }) => {
    const pending = nextFireAt === null ? null : at(nextFireAt);
    expect(planScheduleFiring({ ...hourly, nextFireAt: pending }, at(now))).toEqual({ fire: null, next: pending });
  });

  it("fires the pending time at the tick that reaches it, and moves to the next", () => {
    expect(
      planScheduleFiring({ ...hourly, nextFireAt: at("2025-06-01T11:00:00Z") }, at("2025-06-01T11:00:00.250Z")),
    ).toEqual({
      fire: at("2025-06-01T11:00:00Z"),
      next: at("2025-06-01T12:00:00Z"),
    });
  });

  it("fires a time reached exactly at the tick", () => {
    expect(
      planScheduleFiring({ ...hourly, nextFireAt: at("2025-06-01T11:00:00Z") }, at("2025-06-01T11:00:00Z")).fire,
    ).toBe(at("2025-06-01T11:00:00Z"));
  });

  it("after downtime, fires only the latest missed time and skips to the first time after now", () => {
    const daily = { schedule: "0 9 * * *", timezone: "UTC", nextFireAt: at("2025-06-02T09:00:00Z") };
    expect(planScheduleFiring(daily, at("2025-06-04T10:00:00Z"))).toEqual({
      fire: at("2025-06-04T09:00:00Z"),
      next: at("2025-06-05T09:00:00Z"),
    });
  });

  it("after a long downtime of an every-minute schedule, still fires once", () => {
    const everyMinute = { schedule: "* * * * *", timezone: "UTC", nextFireAt: at("2025-06-01T00:00:00Z") };
    expect(planScheduleFiring(everyMinute, at("2025-06-08T12:34:56Z"))).toEqual({
      fire: at("2025-06-08T12:34:00Z"),
      next: at("2025-06-08T12:35:00Z"),
    });
  });

  it("catches up across a DST change in the schedule's time zone", () => {
    const paris = { schedule: "30 2 * * *", timezone: "Europe/Paris", nextFireAt: at("2025-03-29T01:30:00Z") };
    expect(planScheduleFiring(paris, at("2025-03-30T05:00:00Z"))).toEqual({
      fire: at("2025-03-30T01:00:00Z"),
      next: at("2025-03-31T00:30:00Z"),
    });
  });
});

const now = at("2025-06-01T10:10:00Z");
const cron = (schedule: string, extra: Partial<CronTrigger> = {}): CronTrigger => ({
  type: "cron",
  schedule,
  ...extra,
});
const row = (triggerIndex: number, changes: Partial<ScheduleRowState> = {}): ScheduleRowState => ({
  triggerIndex,
  schedule: "0 * * * *",
  timezone: "UTC",
  input: "{}",
  nextFireAt: at("2025-06-01T10:00:00Z"),
  lastFiredAt: at("2025-06-01T09:00:00Z"),
  enabled: true,
  ...changes,
});

describe("syncing a workflow's schedules", () => {
  it("makes one row per cron trigger, due at its first time after now, UTC and {} by default", () => {
    const plan = planScheduleSync(
      [],
      [cron("0 * * * *"), cron("0 9 * * MON-FRI", { timezone: "Europe/Paris", input: { report: "daily" } })],
      now,
    );
    expect(plan).toEqual({
      rows: [
        {
          triggerIndex: 0,
          schedule: "0 * * * *",
          timezone: "UTC",
          input: "{}",
          nextFireAt: at("2025-06-01T11:00:00Z"),
          lastFiredAt: null,
          enabled: true,
        },
        {
          triggerIndex: 1,
          schedule: "0 9 * * MON-FRI",
          timezone: "Europe/Paris",
          input: '{"report":"daily"}',
          nextFireAt: at("2025-06-02T07:00:00Z"),
          lastFiredAt: null,
          enabled: true,
        },
      ],
      removed: [],
    });
  });

  it("keeps an unchanged schedule's pending time and history, taking the new input", () => {
    const plan = planScheduleSync([row(0)], [cron("0 * * * *", { timezone: "UTC", input: { n: 2 } })], now);
    expect(plan.rows).toEqual([row(0, { input: '{"n":2}' })]);
  });

  it("recounts a changed schedule from now and forgets its history", () => {
    const plan = planScheduleSync([row(0)], [cron("30 * * * *")], now);
    expect(plan.rows).toEqual([
      row(0, { schedule: "30 * * * *", nextFireAt: at("2025-06-01T10:30:00Z"), lastFiredAt: null }),
    ]);
  });

  it("counts a changed time zone as a changed schedule", () => {
    const plan = planScheduleSync([row(0)], [cron("0 * * * *", { timezone: "Asia/Kolkata" })], now);
    expect(plan.rows[0]).toMatchObject({
      timezone: "Asia/Kolkata",
      nextFireAt: at("2025-06-01T10:30:00Z"),
      lastFiredAt: null,
    });
  });

  it("removes the rows of cron triggers that are gone", () => {
    expect(planScheduleSync([row(0), row(1), row(2)], [cron("0 * * * *")], now).removed).toEqual([1, 2]);
  });

  it("disables every row of a disabled or archived workflow, keeping its history", () => {
    expect(planScheduleSync([row(0), row(1)], null, now)).toEqual({
      rows: [row(0, { enabled: false, nextFireAt: null }), row(1, { enabled: false, nextFireAt: null })],
      removed: [],
    });
  });

  it("on enabling again, counts from now (no catch-up for the time spent disabled) and keeps the history", () => {
    const disabled = row(0, { enabled: false, nextFireAt: null, lastFiredAt: at("2025-05-01T09:00:00Z") });
    expect(planScheduleSync([disabled], [cron("0 * * * *")], now).rows).toEqual([
      row(0, { nextFireAt: at("2025-06-01T11:00:00Z"), lastFiredAt: at("2025-05-01T09:00:00Z") }),
    ]);
  });
});
