import { describe, expect, it } from "vitest";
import { dependencyOrder, dependentsOf, findCycle } from "../../../src/core/definition/graph";

const step = (id: string, ...needs: string[]) => ({ id, needs });
const ids = (steps: { id: string }[]) => steps.map((s) => s.id);

describe("dependency graph", () => {
  it("orders steps after what they need, keeping definition order among ready steps", () => {
    expect(ids(dependencyOrder([step("c", "b"), step("a"), step("b", "a"), step("d")]))).toEqual(["a", "b", "c", "d"]);
  });

  it("ignores needs naming unknown steps (validation reports them)", () => {
    expect(ids(dependencyOrder([step("a", "ghost"), step("b", "a")]))).toEqual(["a", "b"]);
  });

  it("throws on a cycle, naming it", () => {
    expect(() => dependencyOrder([step("a"), step("b", "c"), step("c", "b")])).toThrow("steps form a cycle: b → c → b");
  });

  it.each([
    ["no cycle in a diamond", [step("a"), step("b", "a"), step("c", "a"), step("d", "b", "c")], null],
    ["a two-step cycle", [step("a", "b"), step("b", "a")], ["a", "b", "a"]],
    ["a self-loop", [step("x", "x")], ["x", "x"]],
    [
      "a cycle reached from an acyclic step",
      [step("s", "a"), step("a", "b"), step("b", "c"), step("c", "a")],
      ["a", "b", "c", "a"],
    ],
  ])("finds %s", (_name, steps, cycle) => {
    expect(findCycle(steps)).toEqual(cycle);
  });

  it("lists each step's dependents, including steps nobody needs", () => {
    expect(dependentsOf([step("a"), step("b", "a"), step("c", "a", "b")])).toEqual(
      new Map([
        ["a", ["b", "c"]],
        ["b", ["c"]],
        ["c", []],
      ]),
    );
  });
});
