// `concurrency {limit}`: at most `limit` runs of a gate under way at once; the
// rest wait `queued`, first in first out, and start as runs finish.
import { describe, expect, it } from "vitest";
import { START_RETRY_MS } from "../../../src/core/flow-control";
import { GateHarness, T0 } from "./harness";

describe("a concurrency limit", () => {
  it("starts the first `limit` runs and queues the rest in arrival order", () => {
    const gate = new GateHarness({ concurrency: 2 });
    expect(gate.admitAll("a", "b", "c", "d")).toEqual(["a", "b"]);
    expect(gate.admitted()).toEqual(["a", "b"]);
    expect(gate.waiting()).toEqual(["c", "d"]);
    expect(gate.admit("e").outcome).toEqual({ type: "queued" });
    expect(gate.decision.actions).toEqual([]);
  });

  it("starts the next waiting run, first in first out, each time a run is released", () => {
    const gate = new GateHarness({ concurrency: 1 });
    gate.admitAll("a", "b", "c");
    expect(gate.startedBy(gate.release("a"))).toEqual(["b"]);
    expect(gate.waiting()).toEqual(["c"]);
    expect(gate.startedBy(gate.release("b"))).toEqual(["c"]);
    expect(gate.startedBy(gate.release("c"))).toEqual([]);
    expect(gate.state).toMatchObject({ waiting: [], admitted: [] });
  });

  it("lets a queued run that is cancelled leave the queue without freeing a slot", () => {
    const gate = new GateHarness({ concurrency: 1 });
    gate.admitAll("a", "b", "c");
    expect(gate.release("b").actions).toEqual([]);
    expect(gate.admitted()).toEqual(["a"]);
    expect(gate.waiting()).toEqual(["c"]);
    expect(gate.startedBy(gate.release("a"))).toEqual(["c"]);
  });

  it("frees the slot at once when the started run had already finished (cancelled before its turn)", () => {
    const gate = new GateHarness({ concurrency: 1 });
    expect(gate.admit("b").actions).toEqual([{ type: "start", runId: "b", next: [] }]);
    gate.admit("c");
    const next = gate.send({ type: "start_answered", runId: "b", answer: "finished" });
    expect(gate.startedBy(next)).toEqual(["c"]);
    expect(gate.admitted()).toEqual(["c"]);
  });

  it("frees the slot when the started run does not exist", () => {
    const gate = new GateHarness({ concurrency: 1 });
    gate.admit("ghost");
    gate.admit("b");
    expect(gate.startedBy(gate.send({ type: "start_answered", runId: "ghost", answer: "missing" }))).toEqual(["b"]);
  });

  it("ignores a repeated admit of a run it knows and a release of a run it does not", () => {
    const gate = new GateHarness({ concurrency: 1 });
    gate.admitAll("a", "b");
    const before = gate.state;
    expect(gate.admit("a")).toEqual({ state: before, actions: [], outcome: { type: "known" } });
    expect(gate.admit("b")).toEqual({ state: before, actions: [], outcome: { type: "known" } });
    expect(gate.release("zzz")).toEqual({ state: before, actions: [] });
  });

  it("retries a start nobody acknowledged on the next alarm, and no other", () => {
    const gate = new GateHarness({ concurrency: 2 });
    expect(gate.admit("a").actions).toEqual([{ type: "start", runId: "a", next: [] }]);
    gate.admit("b");
    gate.accept("b");
    expect(gate.wakeAt()).toBe(T0 + START_RETRY_MS);
    gate.at(START_RETRY_MS);
    expect(gate.tick().actions).toEqual([{ type: "start", runId: "a", next: [] }]);
    gate.accept("a");
    expect(gate.wakeAt()).toBeUndefined();
    expect(gate.tick().actions).toEqual([]);
  });

  it("needs no alarm while runs only wait for a slot", () => {
    const gate = new GateHarness({ concurrency: 1 });
    gate.admitAll("a", "b");
    expect(gate.wakeAt()).toBeUndefined();
  });

  it("follows the limit of the latest admitted run's definition", () => {
    const gate = new GateHarness({ concurrency: 1 });
    gate.admitAll("a", "b", "c");
    const raised = gate.send({ type: "admit", runId: "d", policy: { concurrency: 3 }, next: [] });
    expect(raised.actions.map((action) => action.runId)).toEqual(["b", "c"]);
    expect(gate.waiting()).toEqual(["d"]);
  });
});
