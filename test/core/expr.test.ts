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
  it("$now(picture, timezone) formats the engine's clock as asked", async () => {
    expect(await evaluateExpression("$now('[Y0001]-[M01]-[D01] [H01]:[m01]', '+0130')", scope, at)).toBe(
      "2026-01-02 01:30",
    );
    expect(await evaluateExpression("$now('[D1] [MNn]')", scope, at)).toBe("2 January");
    expect(await evaluateExpression("$now((), '-0500')", scope, at)).toBe("2026-01-01T19:00:00.000-05:00");
  });
  it("$now with a bad picture fails with an expression_error", async () => {
    await expect(evaluateExpression("$now('[Y0001')", scope, at)).rejects.toMatchObject({ code: "expression_error" });
  });
});

describe("$random and $shuffle", () => {
  const seeded = (seed: string) => ({ ...at, seed });

  it("are seeded: the same seed gives the same numbers and order, another seed others", async () => {
    const draw = "[$random(), $random(), $random()]";
    const first = (await evaluateExpression(draw, scope, seeded("run_1:pick:1"))) as number[];
    expect(await evaluateExpression(draw, scope, seeded("run_1:pick:1"))).toEqual(first);
    expect(await evaluateExpression(draw, scope, seeded("run_1:pick:2"))).not.toEqual(first);
    expect(new Set(first).size).toBe(3);
    for (const n of first) expect(n >= 0 && n < 1).toBe(true);

    const shuffle = "$shuffle([1..20])";
    const order = (await evaluateExpression(shuffle, scope, seeded("run_1:deal:1"))) as number[];
    expect(await evaluateExpression(shuffle, scope, seeded("run_1:deal:1"))).toEqual(order);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await evaluateExpression(shuffle, scope, seeded("run_2:deal:1"))).not.toEqual(order);
  });

  it("$shuffle keeps JSONata's shape: a single value is an array of one, nothing is nothing", async () => {
    expect(await evaluateExpression("$shuffle(5)", scope, seeded("s"))).toEqual([5]);
    expect(await evaluateExpression("$shuffle(input.missing)", scope, seeded("s"))).toBeUndefined();
  });

  it("without a seed (outside a run) fail with an expression_error that says why", async () => {
    await expect(evaluateExpression("$random()", scope, at)).rejects.toMatchObject({
      code: "expression_error",
      message: expect.stringMatching(/\$random and \$shuffle are not available here/),
    });
    await expect(evaluateExpression("$shuffle([1, 2])", scope, at)).rejects.toMatchObject({
      code: "expression_error",
    });
  });
  it("bounds runaway recursion with an expression_error", async () => {
    await expect(evaluateExpression("($f := function($n){ $f($n + 1) }; $f(0))", scope, at)).rejects.toMatchObject({
      code: "expression_error",
    });
  });
});
