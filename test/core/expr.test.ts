import { describe, expect, it } from "vitest";
import { evaluateExpression, expressionParseError, renderTemplate } from "../../src/core/expr";

const scope = {
  input: { orderId: "o-1", qty: 3 },
  steps: { order: { output: { body: { total: 1200 } }, status: "succeeded" } },
};
const at = { now: Date.UTC(2026, 0, 2) };

describe("expressions", () => {
  it("evaluates JSONata over the run scope", async () => {
    expect(await evaluateExpression("steps.order.output.body.total > 1000", scope, at)).toBe(true);
  });
  it("a template that is exactly one placeholder yields the raw value", async () => {
    expect(await renderTemplate("{{ input }}", scope, at)).toEqual({ orderId: "o-1", qty: 3 });
    expect(await renderTemplate("{{ input.qty }}", scope, at)).toBe(3);
  });
  it("templates inside text interpolate strings, numbers and JSON", async () => {
    expect(
      await renderTemplate({ url: "https://x/{{ input.orderId }}?q={{ input.qty }}", n: "{{ $missing }}!" }, scope, at),
    ).toEqual({
      url: "https://x/o-1?q=3",
      n: "!",
    });
  });
  it("reports parse errors with their position", () => {
    expect(expressionParseError("a +")).toMatch(/position 3/);
    expect(expressionParseError("a + 1")).toBeNull();
  });
  it("$now() is the engine's clock, not the wall clock", async () => {
    expect(await evaluateExpression("$now()", scope, at)).toBe("2026-01-02T00:00:00.000Z");
  });
  it("bounds runaway recursion with an expression_error", async () => {
    await expect(evaluateExpression("($f := function($n){ $f($n + 1) }; $f(0))", scope, at)).rejects.toMatchObject({
      code: "expression_error",
    });
  });
});
