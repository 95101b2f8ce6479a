// `debounce {period}`: only the last trigger in a quiet period starts a run; the
// earlier ones answer with that run's id. The first trigger's run waits; each later
// trigger replaces its input (the shell's part) and pushes its start to now + period.
import { describe, expect, it } from "vitest";
import { GateHarness, T0 } from "./harness";

const QUIET = 10_000;

describe("a debounce", () => {
  it("queues the first trigger's run until the quiet period has passed", () => {
    const gate = new GateHarness({ debounceMs: QUIET });
    expect(gate.admit("a")).toMatchObject({ actions: [], outcome: { type: "queued" } });
    expect(gate.state.waiting).toMatchObject([{ runId: "a", notBefore: T0 + QUIET }]);
    expect(gate.wakeAt()).toBe(T0 + QUIET);
  });

  it("merges later triggers in the quiet period into that run and pushes its start back", () => {
    const gate = new GateHarness({ debounceMs: QUIET });
    gate.admit("a");
    gate.at(4_000);
    expect(gate.admit("b")).toMatchObject({ actions: [], outcome: { type: "debounced", into: "a" } });
    gate.at(9_000);
    expect(gate.admit("c").outcome).toEqual({ type: "debounced", into: "a" });
    expect(gate.waiting()).toEqual(["a"]);
    expect(gate.wakeAt()).toBe(T0 + 9_000 + QUIET);
  });

  it("starts the run when its quiet period ends, not before", () => {
    const gate = new GateHarness({ debounceMs: QUIET });
    gate.admit("a");
    gate.at(4_000).admit("b");
    expect(gate.at(4_000 + QUIET - 1).tick().actions).toEqual([]);
    expect(gate.startedBy(gate.at(4_000 + QUIET).tick())).toEqual(["a"]);
    expect(gate.waiting()).toEqual([]);
  });

  it("gives a trigger after the quiet period a new run with a quiet period of its own", () => {
    const gate = new GateHarness({ debounceMs: QUIET });
    gate.admit("a");
    gate.at(QUIET);
    expect(gate.admit("b").outcome).toEqual({ type: "queued" });
    expect(gate.startedBy(gate.tick())).toEqual(["a"]);
    expect(gate.state.waiting).toMatchObject([{ runId: "b", notBefore: T0 + 2 * QUIET }]);
  });

  it("never merges a rerun, and a run in its quiet period does not hold it up", () => {
    const gate = new GateHarness({ debounceMs: QUIET });
    gate.admit("a");
    expect(gate.startedBy(gate.admit("rerun", { debounce: false }))).toEqual(["rerun"]);
    expect(gate.admit("b").outcome).toEqual({ type: "debounced", into: "a" });
  });

  it("with a concurrency limit, a run whose quiet period is over waits for a slot, and new triggers start a new quiet period", () => {
    const gate = new GateHarness({ debounceMs: QUIET, concurrency: 1 });
    gate.admit("a");
    gate.startedBy(gate.at(QUIET).tick());
    gate.admit("b");
    gate.startedBy(gate.at(2 * QUIET).tick());
    expect(gate.admitted()).toEqual(["a"]);
    expect(gate.admit("c").outcome).toEqual({ type: "queued" });
    expect(gate.waiting()).toEqual(["b", "c"]);
    expect(gate.startedBy(gate.release("a"))).toEqual(["b"]);
  });
});
