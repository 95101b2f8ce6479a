// The index writers' batching rule: commit at once when idle, else one interval after the
// last batch began; a full batch is a backlog, carried on at once.
import { describe, expect, it } from "vitest";
import { commitAt, isBacklog, WRITER_BATCH_LIMITS, WRITER_INTERVAL_MS } from "../../src/core/writer-batching";

describe("commitAt", () => {
  it("is now for an idle writer", () => {
    expect(commitAt({ now: 10_000, lastCommitAt: 10_000 - WRITER_INTERVAL_MS, committing: false })).toBe(10_000);
  });

  it("is one interval after the last batch began while that was recent, or while one is under way", () => {
    expect(commitAt({ now: 10_000, lastCommitAt: 9_900, committing: false })).toBe(9_900 + WRITER_INTERVAL_MS);
    expect(commitAt({ now: 10_000, lastCommitAt: 9_000, committing: true })).toBe(10_000);
    expect(commitAt({ now: 10_000, lastCommitAt: 9_950, committing: true })).toBe(9_950 + WRITER_INTERVAL_MS);
  });

  it("follows the interval it is given", () => {
    expect(commitAt({ now: 1_000, lastCommitAt: 990, committing: false }, 50)).toBe(1_040);
  });
});

describe("isBacklog", () => {
  it("is a batch that came out full of either kind of row", () => {
    expect(isBacklog({ index: WRITER_BATCH_LIMITS.index, audits: 0 })).toBe(true);
    expect(isBacklog({ index: 0, audits: WRITER_BATCH_LIMITS.audits })).toBe(true);
    expect(isBacklog({ index: WRITER_BATCH_LIMITS.index - 1, audits: WRITER_BATCH_LIMITS.audits - 1 })).toBe(false);
  });
});
