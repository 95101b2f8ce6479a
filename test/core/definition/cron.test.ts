import { describe, expect, it } from "vitest";
import { cronError, parseCron, timeZoneError } from "../../../src/core/definition/cron";

describe("cron schedules", () => {
  it.each([
    "* * * * *",
    "*/5 * * * *",
    "0 9 * * MON-FRI",
    "0 9 * * mon-fri",
    "0,30 8-18/2 1,15 JAN-MAR,DEC 0",
    "5/15 * * * 7",
    "59 23 31 12 SAT",
  ])("accepts %s", (schedule) => expect(cronError(schedule)).toBeNull());

  it.each([
    ["four fields", "0 9 * *", "five fields"],
    ["six fields", "0 0 9 * * *", "five fields"],
    ["minute 60", "60 * * * *", 'minute field "60": 60 is outside 0–59'],
    ["hour 24", "0 24 * * *", "hour field"],
    ["day 0", "0 0 0 * *", "day-of-month field"],
    ["month 13", "0 0 1 13 *", "month field"],
    ["day-of-week 8", "0 0 * * 8", "day-of-week field"],
    ["a backwards range", "0 9 * * FRI-MON", 'range "FRI-MON" runs backwards'],
    ["a zero step", "*/0 * * * *", 'step "0"'],
    ["an unknown name", "0 9 * FOO *", '"FOO" is not a number or a name (JAN–DEC)'],
    ["a day name in the month field", "0 9 * MON *", "month field"],
    ["an empty list item", "0,,5 * * * *", "is not a value"],
    ["Quartz extensions", "0 9 ? * MON", '"?" is not a number'],
  ])("rejects %s", (_name, schedule, message) => {
    expect(cronError(schedule)).toContain(message);
  });

  it("expands fields and folds day 7 into Sunday", () => {
    const result = parseCron("*/20 9 * * MON-FRI,7");
    expect(result).toMatchObject({
      ok: true,
      schedule: {
        minutes: [0, 20, 40],
        hours: [9],
        daysOfWeek: [0, 1, 2, 3, 4, 5],
        anyDayOfMonth: true,
        anyDayOfWeek: false,
      },
    });
  });
});

describe("time zones", () => {
  it.each(["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires"])("accepts %s", (zone) =>
    expect(timeZoneError(zone)).toBeNull(),
  );
  it.each(["Mars/Olympus", "CEST+1", ""])("rejects %j", (zone) =>
    expect(timeZoneError(zone)).toContain("unknown time zone"),
  );
});
