// One consumer invocation asks its runs for at most 100 handed-over tasks, and for none once
// it has run 30 s, so a batch ends in good time and within the subrequest limit.
import { afterEach, describe, expect, it, vi } from "vitest";
import { HandoffBudget } from "../../src/tasks/handoff-budget";

afterEach(() => vi.useRealTimers());

describe("the hand-off budget of an invocation", () => {
  it("offers 100 hand-offs, each under its own claimant, then none", () => {
    const budget = new HandoffBudget(Date.now());
    const offers = Array.from({ length: 101 }, () => budget.offer("msg-1"));
    expect(offers.slice(0, 100).every((offer) => offer !== undefined)).toBe(true);
    expect(new Set(offers.slice(0, 100).map((offer) => offer?.claimant)).size).toBe(100);
    expect(offers[100]).toBeUndefined();
  });

  it("offers none once the invocation has run 30 s", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const budget = new HandoffBudget(Date.now());
    vi.setSystemTime(1_000_000 + 30_000);
    expect(budget.offer("msg-1")).toEqual({ claimant: "msg-1/handoff-1" });
    vi.setSystemTime(1_000_000 + 30_001);
    expect(budget.offer("msg-1")).toBeUndefined();
  });
});
