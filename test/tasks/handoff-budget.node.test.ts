// One consumer invocation asks its runs for at most 50 hand-offs, none once it has run 30 s
// (so a batch ends in good time and within its subrequests), and none with a triage's report.
import { afterEach, describe, expect, it, vi } from "vitest";
import { HandoffBudget } from "../../src/tasks/handoff-budget";

afterEach(() => vi.useRealTimers());

describe("the hand-off budget of an invocation", () => {
  it("offers 50 hand-offs, each under its own claimant, then none", () => {
    const budget = new HandoffBudget(Date.now());
    const offers = Array.from({ length: 51 }, () => budget.offer("msg-1", "http"));
    expect(offers.slice(0, 50).every((offer) => offer !== undefined)).toBe(true);
    expect(new Set(offers.slice(0, 50).map((offer) => offer?.claimant)).size).toBe(50);
    expect(offers[50]).toBeUndefined();
  });

  it("offers none once the invocation has run 30 s", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const budget = new HandoffBudget(Date.now());
    vi.setSystemTime(1_000_000 + 30_000);
    expect(budget.offer("msg-1", "http")).toEqual({ claimant: "msg-1/handoff-1" });
    vi.setSystemTime(1_000_000 + 30_001);
    expect(budget.offer("msg-1", "http")).toBeUndefined();
  });

  it("spends nothing on a triage's report, which never hands a task over", () => {
    const budget = new HandoffBudget(Date.now());
    expect(budget.offer("msg-1", "triage")).toBeUndefined();
    expect(budget.offer("msg-1", "llm")).toEqual({ claimant: "msg-1/handoff-1" });
  });
});
