import { describe, expect, it } from "vitest";
import {
  isRetryableStatus,
  jitterFraction,
  jitterSeed,
  nextDelayMs,
  resolveRetryPolicy,
  retryPolicySchema,
  type RetryPolicy,
} from "../../src/core/retry";

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  attempts: 5,
  backoff: "exponential",
  delayMs: 1_000,
  maxDelayMs: 300_000,
  jitter: false,
  ...overrides,
});
const seed = jitterSeed("run_1", "fetch", 1);

describe("resolveRetryPolicy", () => {
  it.each([
    ["http", 3],
    ["llm", 3],
    ["retrieve", 3],
    ["transform", 1],
    ["sleep", 1],
    ["approval", 1],
  ])("a %s step gets %i attempts by default", (type, attempts) => {
    expect(resolveRetryPolicy({ type })).toEqual({
      attempts,
      backoff: "exponential",
      delayMs: 1_000,
      maxDelayMs: 300_000,
      jitter: true,
    });
  });

  it("written fields override the defaults, the rest stay", () => {
    expect(resolveRetryPolicy({ type: "http", retry: { attempts: 5, backoff: "linear", delay: "2s" } })).toEqual({
      attempts: 5,
      backoff: "linear",
      delayMs: 2_000,
      maxDelayMs: 300_000,
      jitter: true,
    });
  });
});

describe("nextDelayMs", () => {
  it.each([
    ["exponential", 1, 1_000],
    ["exponential", 2, 2_000],
    ["exponential", 4, 8_000],
    ["linear", 1, 1_000],
    ["linear", 3, 3_000],
    ["fixed", 1, 1_000],
    ["fixed", 7, 1_000],
  ] as const)("%s backoff after attempt %i waits %i ms", (backoff, attempt, delay) => {
    expect(nextDelayMs(policy({ backoff }), attempt, { jitterSeed: seed })).toBe(delay);
  });

  it("a delay never exceeds maxDelay", () => {
    expect(nextDelayMs(policy({ maxDelayMs: 5_000 }), 10, { jitterSeed: seed })).toBe(5_000);
    expect(nextDelayMs(policy({ maxDelayMs: 60_000 }), 100, { jitterSeed: seed })).toBe(60_000);
  });

  it("Retry-After is honoured up to maxDelay", () => {
    expect(nextDelayMs(policy(), 1, { retryAfterMs: 30_000, jitterSeed: seed })).toBe(30_000);
    expect(nextDelayMs(policy({ maxDelayMs: 10_000 }), 1, { retryAfterMs: 30_000, jitterSeed: seed })).toBe(10_000);
  });

  it("a Retry-After shorter than the backoff does not shorten it", () => {
    expect(nextDelayMs(policy(), 3, { retryAfterMs: 1, jitterSeed: seed })).toBe(4_000);
  });

  it("equal jitter keeps the delay between half and all of the backoff", () => {
    for (let attempt = 1; attempt <= 50; attempt++) {
      const delay = nextDelayMs(policy({ jitter: true, backoff: "fixed", delayMs: 10_000 }), 1, {
        jitterSeed: jitterSeed("run_1", "s", attempt),
      });
      expect(delay).toBeGreaterThanOrEqual(5_000);
      expect(delay).toBeLessThan(10_000);
    }
  });

  it("jitter is deterministic for a seed and differs across seeds", () => {
    const jittered = policy({ jitter: true, backoff: "fixed", delayMs: 10_000 });
    expect(nextDelayMs(jittered, 1, { jitterSeed: "run_1:a:1" })).toBe(
      nextDelayMs(jittered, 1, { jitterSeed: "run_1:a:1" }),
    );
    const delays = new Set(
      ["run_1:a:1", "run_1:a:2", "run_1:b:1", "run_2:a:1"].map((s) => nextDelayMs(jittered, 1, { jitterSeed: s })),
    );
    expect(delays.size).toBe(4);
  });

  it("jitter applies below the cap, Retry-After still wins up to maxDelay", () => {
    const jittered = policy({ jitter: true, maxDelayMs: 8_000 });
    expect(nextDelayMs(jittered, 10, { jitterSeed: seed })).toBeGreaterThanOrEqual(4_000);
    expect(nextDelayMs(jittered, 10, { retryAfterMs: 7_999, jitterSeed: seed })).toBeGreaterThanOrEqual(7_999);
  });
});

describe("jitterFraction", () => {
  it("is a fraction in [0, 1) from FNV-1a", () => {
    expect(jitterFraction("")).toBeCloseTo(0x811c9dc5 / 2 ** 32, 12);
    for (const s of ["a", "run_1:fetch:1", "x".repeat(1000)]) {
      expect(jitterFraction(s)).toBeGreaterThanOrEqual(0);
      expect(jitterFraction(s)).toBeLessThan(1);
    }
  });
});

describe("isRetryableStatus", () => {
  it.each([
    [408, true],
    [425, true],
    [429, true],
    [500, true],
    [503, true],
    [599, true],
    [400, false],
    [401, false],
    [404, false],
    [422, false],
    [200, false],
    [301, false],
  ])("%i → %s", (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe("retryPolicySchema", () => {
  it("describes the jitter it implements", () => {
    expect(retryPolicySchema.shape.jitter.meta()?.description).toMatch(/equal jitter/i);
  });
});
