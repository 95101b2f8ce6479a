// Recent reads: one read serves every caller for a second, concurrent callers share it, a
// failed read is not kept, and forgetting sends the next caller to D1 again.
import { describe, expect, it, vi } from "vitest";
import { forgetRecentReads, RECENT_READ_TTL_MS, RecentReads } from "../../src/db/recent-reads";

describe("RecentReads", () => {
  it("reads once per key for a second, shared by concurrent callers", async () => {
    const reads = new RecentReads<number>();
    const load = vi.fn(async () => 42);
    const values = await Promise.all([reads.read("a", 1_000, load), reads.read("a", 1_000, load)]);
    expect(values).toEqual([42, 42]);
    await reads.read("a", 1_000 + RECENT_READ_TTL_MS - 1, load);
    expect(load).toHaveBeenCalledTimes(1);
    await reads.read("a", 1_000 + RECENT_READ_TTL_MS, load);
    await reads.read("b", 1_000 + RECENT_READ_TTL_MS, load);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("does not keep a failed read", async () => {
    const reads = new RecentReads<number>();
    await expect(reads.read("a", 0, () => Promise.reject(new Error("D1 overloaded")))).rejects.toThrow("overloaded");
    expect(await reads.read("a", 0, async () => 7)).toBe(7);
  });

  it("forgets everything it holds when told", async () => {
    const reads = new RecentReads<number>();
    await reads.read("a", 0, async () => 1);
    forgetRecentReads();
    expect(await reads.read("a", 0, async () => 2)).toBe(2);
  });

  it("holds at most its capacity, the oldest key going first", async () => {
    const reads = new RecentReads<string>(2);
    for (const key of ["a", "b", "c"]) await reads.read(key, 0, async () => key);
    expect(await reads.read("a", 0, async () => "again")).toBe("again");
    expect(await reads.read("c", 0, async () => "again")).toBe("c");
  });
});
