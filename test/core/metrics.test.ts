// The arithmetic behind GET /api/metrics, without workerd: which windows are accepted, the
// bucket a window gets, nearest-rank percentiles, the success rate and the series' buckets.
import { describe, expect, it } from "vitest";
import { chooseBucket, windowSchema } from "../../src/api/metrics";
import { bucketStarts, emptyCounts, percentileRank, successRate } from "../../src/db/metrics";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("the window", () => {
  it.each(["1m", "1h", "24h", "7d", "30d", "90d", "2160h"])("accepts %s", (window) => {
    expect(windowSchema.safeParse(window).success).toBe(true);
  });

  it.each(["91d", "2161h", "0h", "01h", "1.5h", "30s", "500ms", "2w", "1 h", "-1h", "h", ""])(
    "refuses %j",
    (window) => {
      expect(windowSchema.safeParse(window).success).toBe(false);
    },
  );

  it("defaults to 24h", () => {
    expect(windowSchema.parse(undefined)).toBe("24h");
  });
});

describe("the bucket a window gets", () => {
  it.each([
    [10 * MINUTE, "1m"],
    [HOUR, "5m"],
    [4 * HOUR, "5m"],
    [5 * HOUR, "15m"],
    [12 * HOUR, "15m"],
    [24 * HOUR, "1h"],
    [2 * DAY, "1h"],
    [7 * DAY, "6h"],
    [12 * DAY, "6h"],
    [30 * DAY, "1d"],
    [90 * DAY, "1d"],
  ])("%i ms → %s", (windowMs, bucket) => {
    expect(chooseBucket(windowMs).bucket).toBe(bucket);
  });

  it("never makes more than 48 buckets below the largest size", () => {
    for (let windowMs = MINUTE; windowMs <= 48 * DAY; windowMs += 7 * MINUTE)
      expect(windowMs / chooseBucket(windowMs).bucketMs).toBeLessThanOrEqual(48);
  });
});

describe("nearest-rank percentiles", () => {
  it.each([
    [50, 1, 1],
    [95, 1, 1],
    [50, 4, 2],
    [50, 5, 3],
    [95, 5, 5],
    [95, 20, 19],
    [95, 21, 20],
    [50, 100, 50],
    [95, 100, 95],
  ])("p%i of %i values is the value ranked %i", (p, n, rank) => {
    expect(percentileRank(p, n)).toBe(rank);
  });

  it("matches the integer formula the SQL uses, (n·p + 99) / 100", () => {
    for (let n = 1; n <= 500; n++)
      for (const p of [50, 95]) expect(percentileRank(p, n)).toBe(Math.trunc((n * p + 99) / 100));
  });
});

describe("the success rate", () => {
  it("is succeeded over finished, leaving out runs not finished", () => {
    expect(
      successRate({
        ...emptyCounts(),
        succeeded: 3,
        failed: 1,
        cancelled: 1,
        timed_out: 1,
        running: 10,
        waiting: 5,
        queued: 2,
      }),
    ).toBe(0.5);
  });

  it("is null when nothing finished", () => {
    expect(successRate({ ...emptyCounts(), running: 3, queued: 1 })).toBeNull();
  });
});

describe("the series' buckets", () => {
  it("start at multiples of the bucket size and cover both ends of the window", () => {
    const from = 10 * HOUR + 17 * MINUTE;
    expect(bucketStarts(from, from + 3 * HOUR, HOUR)).toEqual([10 * HOUR, 11 * HOUR, 12 * HOUR, 13 * HOUR]);
  });

  it("include the bucket of the window's last instant and no later one", () => {
    expect(bucketStarts(2 * DAY, 3 * DAY - 1, DAY)).toEqual([2 * DAY]);
    expect(bucketStarts(2 * DAY, 3 * DAY, DAY)).toEqual([2 * DAY, 3 * DAY]);
  });
});
