// When a cron schedule fires, as UTC instants: five-field grammar, IANA time zones and
// their DST changes (Vixie-cron rules, as croner applies them), standard day-field OR.
import { describe, expect, it } from "vitest";
import { nextFireTimes, previousFireTime } from "../../../src/triggers/cron/fire-times";

const at = (iso: string) => Date.parse(iso);
const isoTimes = (times: number[]) => times.map((time) => new Date(time).toISOString().replace(":00.000Z", "Z"));

interface Case {
  name: string;
  schedule: string;
  timezone?: string;
  after: string;
  expected: string[];
}

function table(cases: Case[]) {
  it.each(cases)("$name", ({ schedule, timezone, after, expected }) => {
    expect(isoTimes(nextFireTimes(schedule, timezone, at(after), expected.length || 3))).toEqual(expected);
  });
}

describe("fire times in UTC", () => {
  table([
    {
      name: "daily, strictly after a fire time",
      schedule: "0 9 * * *",
      timezone: "UTC",
      after: "2025-01-01T09:00:00Z",
      expected: ["2025-01-02T09:00Z", "2025-01-03T09:00Z", "2025-01-04T09:00Z"],
    },
    {
      name: "every minute from the middle of a second",
      schedule: "* * * * *",
      after: "2025-01-01T00:00:30.500Z",
      expected: ["2025-01-01T00:01Z", "2025-01-01T00:02Z"],
    },
    {
      name: "MON-FRI skips the weekend",
      schedule: "0 9 * * MON-FRI",
      after: "2025-01-03T09:00:00Z",
      expected: ["2025-01-06T09:00Z", "2025-01-07T09:00Z"],
    },
    {
      name: "*/15 in minutes",
      schedule: "*/15 * * * *",
      after: "2025-01-01T00:07:00Z",
      expected: ["2025-01-01T00:15Z", "2025-01-01T00:30Z", "2025-01-01T00:45Z", "2025-01-01T01:00Z"],
    },
    {
      name: "*/6 in hours",
      schedule: "0 */6 * * *",
      after: "2025-01-01T00:00:00Z",
      expected: ["2025-01-01T06:00Z", "2025-01-01T12:00Z", "2025-01-01T18:00Z", "2025-01-02T00:00Z"],
    },
    {
      name: "5/20: from 5, every 20",
      schedule: "5/20 * * * *",
      after: "2025-01-01T00:00:00Z",
      expected: ["2025-01-01T00:05Z", "2025-01-01T00:25Z", "2025-01-01T00:45Z", "2025-01-01T01:05Z"],
    },
    {
      name: "a stepped range",
      schedule: "10-30/10 9 * * *",
      after: "2025-01-01T00:00:00Z",
      expected: ["2025-01-01T09:10Z", "2025-01-01T09:20Z", "2025-01-01T09:30Z", "2025-01-02T09:10Z"],
    },
    {
      name: "7 is Sunday, in a range too",
      schedule: "0 12 * * 5-7",
      after: "2025-01-01T00:00:00Z",
      expected: ["2025-01-03T12:00Z", "2025-01-04T12:00Z", "2025-01-05T12:00Z", "2025-01-10T12:00Z"],
    },
    {
      name: "a date that never comes fires never",
      schedule: "0 0 30 2 *",
      after: "2025-01-01T00:00:00Z",
      expected: [],
    },
  ]);
});

describe("no time zone", () => {
  it("means UTC, not the host's zone", () => {
    const hostZone = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      expect(isoTimes(nextFireTimes("0 9 * * *", undefined, at("2025-01-01T08:59:59.999Z"), 2))).toEqual([
        "2025-01-01T09:00Z",
        "2025-01-02T09:00Z",
      ]);
    } finally {
      if (hostZone === undefined) delete process.env.TZ;
      else process.env.TZ = hostZone;
    }
  });
});

describe("day of month and day of week", () => {
  table([
    {
      name: "both restricted: either matches (the 13th OR a Friday)",
      schedule: "0 0 13 * FRI",
      after: "2025-01-01T00:00:00Z",
      expected: [
        "2025-01-03T00:00Z",
        "2025-01-10T00:00Z",
        "2025-01-13T00:00Z",
        "2025-01-17T00:00Z",
        "2025-01-24T00:00Z",
      ],
    },
    {
      name: "day of month alone: only the 13th",
      schedule: "0 0 13 * *",
      after: "2025-01-01T00:00:00Z",
      expected: ["2025-01-13T00:00Z", "2025-02-13T00:00Z"],
    },
    {
      name: "day of week alone: only Fridays",
      schedule: "0 0 * * FRI",
      after: "2025-01-01T00:00:00Z",
      expected: ["2025-01-03T00:00Z", "2025-01-10T00:00Z", "2025-01-17T00:00Z"],
    },
  ]);
});

describe("fire times in a time zone", () => {
  table([
    {
      name: "Paris 09:00 is 08:00Z in winter",
      schedule: "0 9 * * *",
      timezone: "Europe/Paris",
      after: "2025-03-28T12:00:00Z",
      expected: ["2025-03-29T08:00Z", "2025-03-30T07:00Z", "2025-03-31T07:00Z"],
    },
    {
      name: "New York MON-FRI 09:00 across the March change",
      schedule: "0 9 * * MON-FRI",
      timezone: "America/New_York",
      after: "2025-03-07T12:00:00Z",
      expected: ["2025-03-07T14:00Z", "2025-03-10T13:00Z", "2025-03-11T13:00Z"],
    },
    {
      name: "New York MON-FRI 09:00 across the November change",
      schedule: "0 9 * * MON-FRI",
      timezone: "America/New_York",
      after: "2025-10-31T12:00:00Z",
      expected: ["2025-10-31T13:00Z", "2025-11-03T14:00Z"],
    },
  ]);
});

describe("fire times across Paris DST changes", () => {
  table([
    // 2025-03-30: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist that day.
    {
      name: "a fixed time in the spring gap fires once, at the end of the gap (03:00 CEST)",
      schedule: "30 2 * * *",
      timezone: "Europe/Paris",
      after: "2025-03-28T12:00:00Z",
      expected: ["2025-03-29T01:30Z", "2025-03-30T01:00Z", "2025-03-31T00:30Z"],
    },
    {
      name: "an interval job skips the spring gap",
      schedule: "*/30 * * * *",
      timezone: "Europe/Paris",
      after: "2025-03-30T00:00:00Z",
      expected: ["2025-03-30T00:30Z", "2025-03-30T01:00Z", "2025-03-30T01:30Z"],
    },
    // 2025-10-26: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice.
    {
      name: "a fixed time repeated in autumn fires once, at the first occurrence",
      schedule: "30 2 * * *",
      timezone: "Europe/Paris",
      after: "2025-10-25T12:00:00Z",
      expected: ["2025-10-26T00:30Z", "2025-10-27T01:30Z"],
    },
    {
      name: "an interval job fires on both occurrences of the repeated hour",
      schedule: "*/30 * * * *",
      timezone: "Europe/Paris",
      after: "2025-10-26T00:00:00Z",
      expected: ["2025-10-26T00:30Z", "2025-10-26T01:00Z", "2025-10-26T01:30Z", "2025-10-26T02:00Z"],
    },
  ]);
});

describe("the latest fire time at or before a moment", () => {
  it("includes a fire time exactly at the moment", () => {
    expect(previousFireTime("0 9 * * *", "UTC", at("2025-01-02T09:00:00Z"))).toBe(at("2025-01-02T09:00:00Z"));
  });

  it("is the day before a millisecond earlier", () => {
    expect(previousFireTime("0 9 * * *", "UTC", at("2025-01-02T08:59:59.999Z"))).toBe(at("2025-01-01T09:00:00Z"));
  });

  it("agrees with the forward times across the spring gap", () => {
    expect(previousFireTime("30 2 * * *", "Europe/Paris", at("2025-03-30T05:00:00Z"))).toBe(at("2025-03-30T01:00:00Z"));
  });

  it("is null for a schedule that never fires", () => {
    expect(previousFireTime("0 0 30 2 *", "UTC", at("2025-01-01T00:00:00Z"))).toBeNull();
  });
});

describe("schedules the validator rejects", () => {
  it("throw with the validator's reason", () => {
    expect(() => nextFireTimes("0 9 * *", "UTC", 0, 1)).toThrow(/five fields/);
  });
});
