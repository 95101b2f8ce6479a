// `rateLimit {limit, period}`: at most `limit` starts in any sliding window of
// `period`; the excess waits `queued` and the gate's alarm starts it, first in first out.
import { describe, expect, it } from "vitest";
import { GateHarness, T0 } from "./harness";

const MINUTE = 60_000;

describe("a rate limit", () => {
  it("starts `limit` runs in a window and queues the excess, waking when the window has room", () => {
    const gate = new GateHarness({ rateLimit: { limit: 2, periodMs: MINUTE } });
    expect(gate.admitAll("a", "b", "c", "d")).toEqual(["a", "b"]);
    expect(gate.waiting()).toEqual(["c", "d"]);
    expect(gate.wakeAt()).toBe(T0 + MINUTE);
  });

  it("starts the waiting runs in order once the earliest starts leave the window", () => {
    const gate = new GateHarness({ rateLimit: { limit: 2, periodMs: MINUTE } });
    gate.admitAll("a", "b", "c", "d", "e");
    expect(gate.at(MINUTE - 1).tick().actions).toEqual([]);
    expect(gate.startedBy(gate.at(MINUTE).tick())).toEqual(["c", "d"]);
    expect(gate.waiting()).toEqual(["e"]);
    expect(gate.wakeAt()).toBe(T0 + 2 * MINUTE);
  });

  it("slides: a window holds the starts of the last `period`, not of a fixed slot", () => {
    const gate = new GateHarness({ rateLimit: { limit: 2, periodMs: MINUTE } });
    gate.admitAll("a");
    gate.at(30_000);
    expect(gate.admitAll("b", "c")).toEqual(["b"]);
    expect(gate.wakeAt()).toBe(T0 + MINUTE);
    expect(gate.startedBy(gate.at(MINUTE).tick())).toEqual(["c"]);
    gate.admit("d");
    expect(gate.wakeAt()).toBe(T0 + 90_000);
  });

  it("starts a run at once when the window has room, without an alarm", () => {
    const gate = new GateHarness({ rateLimit: { limit: 1, periodMs: MINUTE } });
    gate.admitAll("a");
    expect(gate.wakeAt()).toBeUndefined();
    gate.at(MINUTE);
    expect(gate.admitAll("b")).toEqual(["b"]);
  });

  it("with a concurrency limit too, starts a run only when both allow", () => {
    const gate = new GateHarness({ concurrency: 1, rateLimit: { limit: 2, periodMs: MINUTE } });
    expect(gate.admitAll("a", "b", "c")).toEqual(["a"]);
    expect(gate.startedBy(gate.release("a"))).toEqual(["b"]);
    expect(gate.release("b").actions).toEqual([]);
    expect(gate.admitted()).toEqual([]);
    expect(gate.wakeAt()).toBe(T0 + MINUTE);
    expect(gate.startedBy(gate.at(MINUTE).tick())).toEqual(["c"]);
  });
});
