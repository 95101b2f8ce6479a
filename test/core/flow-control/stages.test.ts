// Which gates a run passes (each rule optionally per `key`, an expression over
// the input): runs with the same key value share a gate, other keys are isolated.
import { describe, expect, it } from "vitest";
import { definitionSchema, type Definition } from "../../../src/core/definition/schema";
import { hasFlowControl, planGates } from "../../../src/core/flow-control";
import { sha256Hex } from "../../../src/core/canonical-json";
import { T0 } from "./harness";

const workflow = (rules: Partial<Definition>): Definition =>
  definitionSchema.parse({
    id: "orders",
    triggers: [{ type: "api" }],
    steps: [{ id: "one", type: "transform", expr: "1" }],
    ...rules,
  }) as Definition;

const names = async (definition: Definition, input: unknown) =>
  (await planGates(definition, input, T0)).map((gate) => gate.name);

describe("the gates of a run", () => {
  it("are none without concurrency, rateLimit or debounce", async () => {
    expect(hasFlowControl(workflow({}))).toBe(false);
    expect(await planGates(workflow({}), {}, T0)).toEqual([]);
  });

  it("are one gate named after the workflow when the rule has no key", async () => {
    const definition = workflow({ concurrency: { limit: 3 } });
    expect(hasFlowControl(definition)).toBe(true);
    expect(await planGates(definition, { customer: "x" }, T0)).toEqual([
      { name: "orders", policy: { concurrency: 3 } },
    ]);
  });

  it("share a gate for the same key value and isolate different ones", async () => {
    const definition = workflow({ concurrency: { limit: 1, key: "input.customer" } });
    const [acme, acmeAgain, globex] = await Promise.all([
      names(definition, { customer: "acme", order: 1 }),
      names(definition, { customer: "acme", order: 2 }),
      names(definition, { customer: "globex" }),
    ]);
    expect(acme).toEqual([`orders:${await sha256Hex('"acme"')}`]);
    expect(acmeAgain).toEqual(acme);
    expect(globex).not.toEqual(acme);
  });

  it("put a key that yields nothing in one gate of its own", async () => {
    const definition = workflow({ concurrency: { limit: 1, key: "input.customer" } });
    expect(await names(definition, {})).toEqual([`orders:${await sha256Hex("null")}`]);
  });

  it("combine rules with the same key in one gate", async () => {
    const definition = workflow({
      debounce: { period: "5s", key: "input.c" },
      concurrency: { limit: 2, key: "input.c" },
      rateLimit: { limit: 10, period: "1m", key: "input.c" },
    });
    const gates = await planGates(definition, { c: 1 }, T0);
    expect(gates).toEqual([
      {
        name: `orders:${await sha256Hex("1")}`,
        policy: { debounceMs: 5_000, concurrency: 2, rateLimit: { limit: 10, periodMs: 60_000 } },
      },
    ]);
  });

  it("chain one gate per key when keys differ: debounce, then concurrency, then rate limit", async () => {
    const definition = workflow({
      rateLimit: { limit: 10, period: "1m" },
      concurrency: { limit: 2, key: "input.c" },
      debounce: { period: "5s" },
    });
    const gates = await planGates(definition, { c: 1 }, T0);
    expect(gates).toEqual([
      { name: "orders#debounce", policy: { debounceMs: 5_000 } },
      { name: `orders:${await sha256Hex("1")}#concurrency`, policy: { concurrency: 2 } },
      { name: "orders#rateLimit", policy: { rateLimit: { limit: 10, periodMs: 60_000 } } },
    ]);
  });

  it("fail with an expression error when the key cannot be evaluated", async () => {
    const definition = workflow({ concurrency: { limit: 1, key: "$error('no key')" } });
    await expect(planGates(definition, {}, T0)).rejects.toMatchObject({
      code: "expression_error",
      expression: "$error('no key')",
    });
  });
});
