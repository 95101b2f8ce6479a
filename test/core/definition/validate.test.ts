import { describe, expect, it } from "vitest";
import { validateDefinition } from "../../../src/core/definition/validate";
import { definition, http, loadFixture, transform, withStep, withTrigger } from "./helpers";

interface Rejection {
  name: string;
  raw: unknown;
  path: string;
  message: string;
}

/** Each case is valid but for one rule, and must yield exactly that one issue. */
function expectOnlyIssue(raw: unknown, path: string, message: string): void {
  const result = validateDefinition(raw);
  expect(result.ok ? [] : result.issues).toEqual([{ path, message: expect.stringContaining(message) }]);
}

describe("validateDefinition accepts", () => {
  it.each([
    ["the order-fulfilment example", "order-fulfilment.yaml"],
    ["one step of every type and every trigger type", "every-step-type.yaml"],
  ])("accepts %s", (_name, file) => {
    const result = validateDefinition(loadFixture(file));
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  it("returns the definition unchanged, durations still strings and no defaults applied", () => {
    const result = validateDefinition(withStep({ type: "sleep", duration: "5m" }));
    expect(result).toEqual({ ok: true, definition: withStep({ type: "sleep", duration: "5m" }) });
  });

  it.each<[string, unknown]>([
    ["an empty trigger list", definition({ triggers: [] })],
    [
      "onFailure steps needing each other and main steps",
      definition({ onFailure: [transform("x", ["a", "y"]), transform("y", ["a"])] }),
    ],
    [
      "a secret in an http request header",
      withStep(http({ url: "https://x.test", headers: { Authorization: "Bearer {{ secrets.T }}" } })),
    ],
    [
      "a secret in an inline map step's request",
      withStep({ type: "map", items: "input", step: http({ url: "https://x.test/{{ secrets.T }}" }) }),
    ],
    [
      "a secret in an llm apiKey, system and messages",
      withStep({
        type: "llm",
        provider: "openai",
        model: "m",
        apiKey: "{{ secrets.K }}",
        system: "{{ secrets.S }}",
        messages: [{ role: "user", content: "{{ secrets.M }}" }],
      }),
    ],
    [
      "a secret in the triage apiKey",
      definition({ triage: { provider: "openai", model: "m", apiKey: "{{ secrets.K }}", allow: ["retry"] } }),
    ],
    ["`input.secrets.x`, which is not the secrets scope", withStep({ type: "transform", expr: "input.secrets.x" })],
    [
      "a webhook with verify: { scheme: none } written out",
      withTrigger({ type: "webhook", verify: { scheme: "none" } }),
    ],
    [
      "a JSON Schema input with a property named type",
      definition({ input: { type: "object", properties: { type: { type: "string" } } } }),
    ],
  ])("accepts %s", (_name, raw) => {
    const result = validateDefinition(raw);
    expect(result.ok ? [] : result.issues).toEqual([]);
  });
});

const tooManySteps = Array.from({ length: 250 }, (_, i) => ({
  id: `m${i}`,
  type: "map",
  items: "input",
  step: { type: "transform", expr: "item" },
}));

const rejections: Rejection[] = [
  {
    name: "rejects an unknown field",
    raw: withStep({ type: "transform", expr: "1", retries: 3 }),
    path: "steps[0].retries",
    message: 'unknown field "retries"',
  },
  {
    name: "rejects an unknown root field",
    raw: definition({ stepz: [] }),
    path: "stepz",
    message: 'unknown field "stepz"',
  },
  {
    name: "rejects an unknown step type and lists the types",
    raw: withStep({ type: "htp" }),
    path: "steps[0].type",
    message: 'unknown step type "htp"; the step types are http, transform, sleep',
  },
  {
    name: "rejects an unknown trigger type",
    raw: withTrigger({ type: "email" }),
    path: "triggers[0].type",
    message: 'unknown trigger type "email"; the trigger types are webhook, cron, api, event',
  },
  {
    name: "rejects a definition without steps",
    raw: definition({ steps: [] }),
    path: "steps",
    message: "at least one step",
  },
  {
    name: "rejects a missing required field",
    raw: { id: "orders", steps: [transform("a")] },
    path: "triggers",
    message: 'missing required field "triggers"',
  },
  {
    name: "rejects a bad workflow id",
    raw: definition({ id: "Orders" }),
    path: "id",
    message: "expected a workflow id",
  },
  {
    name: "rejects a bad step id",
    raw: withStep({ id: "1st", type: "transform", expr: "1" }),
    path: "steps[0].id",
    message: "expected a step id",
  },
  {
    name: "rejects duplicate step ids",
    raw: definition({ steps: [transform("a"), transform("a")] }),
    path: "steps[1].id",
    message: 'duplicate step id "a" (also used by steps[0])',
  },
  {
    name: "rejects a step id repeated in onFailure",
    raw: definition({ onFailure: [transform("a")] }),
    path: "onFailure[0].id",
    message: 'duplicate step id "a"',
  },
  {
    name: "rejects a needs naming a missing step",
    raw: definition({ steps: [transform("ship"), transform("b", ["shipp"])] }),
    path: "steps[1].needs[0]",
    message: 'needs unknown step "shipp"; did you mean "ship"?',
  },
  {
    name: "rejects a main step needing an onFailure step",
    raw: definition({ steps: [transform("a", ["f"])], onFailure: [transform("f")] }),
    path: "steps[0].needs[0]",
    message: 'needs "f", an onFailure step',
  },
  {
    name: "rejects a cycle and names it",
    raw: definition({ steps: [transform("a", ["b"]), transform("b", ["a"])] }),
    path: "steps[0].needs",
    message: "steps form a cycle: a → b → a",
  },
  {
    name: "rejects a step needing itself",
    raw: definition({ steps: [transform("a", ["a"])] }),
    path: "steps[0].needs",
    message: "a → a",
  },
  {
    name: "rejects a bad duration",
    raw: withStep({ type: "transform", expr: "1", timeout: "5 min" }),
    path: "steps[0].timeout",
    message: "expected a duration such as 500ms, 30s, 5m, 2h or 7d",
  },
  {
    name: "rejects a step timeout of zero, which would fail every attempt the moment it is taken",
    raw: withStep({ type: "http", request: { url: "https://x.example" }, timeout: "0s" }),
    path: "steps[0].timeout",
    message: "must be longer than 0",
  },
  {
    name: "rejects a bad duration inside a retry policy",
    raw: withStep({ type: "transform", expr: "1", retry: { delay: "1sec" } }),
    path: "steps[0].retry.delay",
    message: "expected a duration",
  },
  {
    name: "rejects a bad cron schedule",
    raw: withTrigger({ type: "cron", schedule: "0 25 * * *" }),
    path: "triggers[0].schedule",
    message: "hour field",
  },
  {
    name: "rejects an unknown time zone",
    raw: withTrigger({ type: "cron", schedule: "0 9 * * *", timezone: "Europe/Atlantis" }),
    path: "triggers[0].timezone",
    message: 'unknown time zone "Europe/Atlantis"',
  },
  {
    name: "rejects a webhook trigger without verify and says how to opt out",
    raw: withTrigger({ type: "webhook" }),
    path: "triggers[0].verify",
    message: "write verify: { scheme: none } explicitly",
  },
  {
    name: "rejects a signed webhook scheme without a secret",
    raw: withTrigger({ type: "webhook", verify: { scheme: "stripe" } }),
    path: "triggers[0].verify.secret",
    message: 'scheme "stripe" needs a secret',
  },
  {
    name: "rejects an hmac webhook without a header",
    raw: withTrigger({ type: "webhook", verify: { scheme: "hmac", secret: "{{ secrets.S }}" } }),
    path: "triggers[0].verify.header",
    message: "needs the header",
  },
  {
    name: "rejects a secret in a transform expression",
    raw: withStep({ type: "transform", expr: "secrets.TOKEN" }),
    path: "steps[0].expr",
    message: "secrets cannot be used here",
  },
  {
    name: "rejects a secret in an http step's if",
    raw: withStep(http(undefined, { if: "secrets.X = 'y'" })),
    path: "steps[0].if",
    message: "secrets cannot be used here",
  },
  {
    name: "rejects a secret in an llm context",
    raw: withStep({ type: "llm", provider: "openai", model: "m", prompt: "hi", context: "{{ secrets.X }}" }),
    path: "steps[0].context",
    message: "secrets cannot be used here",
  },
  {
    name: "rejects a secret in a child workflow's input",
    raw: withStep({ type: "workflow", workflow: "child", input: { token: "{{ secrets.X }}" } }),
    path: "steps[0].input.token",
    message: "secrets cannot be used here",
  },
  {
    name: "rejects a secret in a webhook input mapping",
    raw: withTrigger({ type: "webhook", verify: { scheme: "none" }, input: "secrets.X" }),
    path: "triggers[0].input",
    message: "secrets cannot be used here",
  },
  {
    name: "rejects a secret in the run output",
    raw: definition({ output: "$string(secrets.X)" }),
    path: "output",
    message: "secrets cannot be used here",
  },
  {
    name: "rejects $random in a webhook input mapping, evaluated outside any run",
    raw: withTrigger({ type: "webhook", verify: { scheme: "none" }, input: "{ 'n': $random() }" }),
    path: "triggers[0].input",
    message: "$random and $shuffle are not available here",
  },
  {
    name: "rejects $shuffle in a concurrency key",
    raw: definition({ concurrency: { limit: 1, key: "$shuffle(input.ids)[0]" } }),
    path: "concurrency.key",
    message: "$random and $shuffle are not available here",
  },
  {
    name: "rejects a template that does not parse",
    raw: withStep(http({ url: "https://x.test/{{ input.id + }}" })),
    path: "steps[0].request.url",
    message: "template {{ input.id + }} does not parse",
  },
  {
    name: "rejects a template nested in a body that does not parse",
    raw: withStep(http({ url: "https://x.test", body: { a: ["{{ ) }}"] } })),
    path: "steps[0].request.body.a[0]",
    message: "does not parse",
  },
  {
    name: "rejects an unclosed placeholder",
    raw: withStep(http({ url: "https://x.test/{{ input.id" })),
    path: "steps[0].request.url",
    message: "never closed",
  },
  {
    name: "rejects an expression field written as a template",
    raw: withStep({ type: "transform", expr: "{{ input.x }}" }),
    path: "steps[0].expr",
    message: "written without {{ }}",
  },
  {
    name: "rejects an llm step without prompt or messages",
    raw: withStep({ type: "llm", provider: "openai", model: "m" }),
    path: "steps[0]",
    message: "needs a prompt or messages",
  },
  {
    name: "rejects a sleep with both duration and until",
    raw: withStep({ type: "sleep", duration: "1s", until: "$now()" }),
    path: "steps[0]",
    message: "exactly one of duration or until",
  },
  {
    name: "rejects a sleep with neither duration nor until",
    raw: withStep({ type: "sleep" }),
    path: "steps[0]",
    message: "exactly one of duration or until",
  },
  {
    name: "rejects a map inside a map",
    raw: withStep({ type: "map", items: "input", step: { type: "map" } }),
    path: "steps[0].step.type",
    message: "cannot itself be a map",
  },
  {
    name: "rejects needs on a map's inline step",
    raw: withStep({ type: "map", items: "input", step: { type: "transform", expr: "item", needs: ["a"] } }),
    path: "steps[0].step.needs",
    message: "cannot have needs",
  },
  {
    name: "rejects a status code outside 100–599 in expect",
    raw: withStep(http(undefined, { expect: [200, 99] })),
    path: "steps[0].expect[1]",
    message: "at least 100",
  },
  {
    name: "rejects an unknown value of an enum",
    raw: withStep({ type: "transform", expr: "1", onError: "ignore" }),
    path: "steps[0].onError",
    message: 'expected one of "fail", "continue", got "ignore"',
  },
  {
    name: "rejects a non-integer where an integer is expected",
    raw: definition({ concurrency: { limit: 1.5 } }),
    path: "concurrency.limit",
    message: "expected an integer, got 1.5",
  },
  {
    name: "rejects a query value that is not a scalar",
    raw: withStep(http({ url: "https://x.test", query: { a: null } })),
    path: "steps[0].request.query.a",
    message: "expected a string, a number or a boolean, got null",
  },
  {
    name: "rejects an input JSON Schema with an unknown type",
    raw: definition({ input: { type: "object", properties: { n: { type: "int" } } } }),
    path: "input.properties.n.type",
    message: '"int" is not a JSON Schema type',
  },
  {
    name: "rejects an llm output schema that does not compile",
    raw: withStep({
      type: "llm",
      provider: "openai",
      model: "m",
      prompt: "hi",
      schema: { $id: "https://a.test/s", $defs: { x: { $id: "https://a.test/s" } } },
    }),
    path: "steps[0].schema",
    message: "does not compile",
  },
  {
    name: "rejects more than 500 steps, counting map steps",
    raw: definition({ steps: [...tooManySteps, transform("last")] }),
    path: "",
    message: "the workflow has 501 steps",
  },
  {
    name: "rejects a definition over 256 KiB",
    raw: definition({ description: "x".repeat(256 * 1024) }),
    path: "",
    message: "the limit is 256 KiB",
  },
];

const expressionFields: [string, unknown, string][] = [
  ["expr", withStep({ type: "transform", expr: "1 +" }), "steps[0].expr"],
  ["if", withStep({ type: "transform", expr: "1", if: "a =" }), "steps[0].if"],
  ["items", withStep({ type: "map", items: "[1,", step: { type: "transform", expr: "item" } }), "steps[0].items"],
  ["until", withStep({ type: "sleep", until: "$now(" }), "steps[0].until"],
  ["match", withStep({ type: "wait", event: "e", match: "event.x =" }), "steps[0].match"],
  [
    "an inline step's if",
    withStep({ type: "map", items: "input", step: { type: "transform", expr: "item", if: "(" } }),
    "steps[0].step.if",
  ],
  ["output", definition({ output: "{ 'a': }" }), "output"],
  ["concurrency key", definition({ concurrency: { limit: 1, key: "input." } }), "concurrency.key"],
  ["rateLimit key", definition({ rateLimit: { limit: 1, period: "1m", key: "input." } }), "rateLimit.key"],
  ["debounce key", definition({ debounce: { period: "1m", key: "input." } }), "debounce.key"],
  ["webhook input", withTrigger({ type: "webhook", verify: { scheme: "none" }, input: "body." }), "triggers[0].input"],
  ["event input", withTrigger({ type: "event", name: "e", input: "payload." }), "triggers[0].input"],
];

describe("validateDefinition rejects", () => {
  it.each(rejections)("$name", ({ raw, path, message }) => expectOnlyIssue(raw, path, message));

  it.each(expressionFields)("rejects an expression that does not parse in %s", (_field, raw, path) => {
    expectOnlyIssue(raw, path, "expression does not parse");
  });

  it("accepts exactly 500 steps, counting map steps", () => {
    expect(validateDefinition(definition({ steps: tooManySteps })).ok).toBe(true);
  });

  it("reports several problems at once", () => {
    const result = validateDefinition(loadFixture("many-problems.yaml"));
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: "triggers[0].verify", message: expect.stringContaining("scheme: none") },
        { path: "triggers[1].schedule", message: expect.stringContaining("hour field") },
        { path: "triggers[1].timezone", message: expect.stringContaining("unknown time zone") },
        { path: "steps[0].retries", message: 'unknown field "retries"' },
        { path: "steps[1].duration", message: expect.stringContaining("expected a duration") },
        { path: "steps[1].needs[0]", message: 'needs unknown step "ordr"; did you mean "order"?' },
        { path: "steps[2].needs", message: "steps form a cycle: a → b → a" },
        { path: "steps[2].expr", message: expect.stringContaining("expression does not parse") },
        { path: "steps[3].expr", message: expect.stringContaining("secrets cannot be used here") },
      ]),
    );
    expect(issues).toHaveLength(9);
  });

  it("reports disjoint cycles separately", () => {
    const raw = definition({
      steps: [transform("a", ["b"]), transform("b", ["a"]), transform("c", ["d"]), transform("d", ["c"])],
    });
    const result = validateDefinition(raw);
    expect(result.ok ? [] : result.issues.map((issue) => issue.message)).toEqual([
      "steps form a cycle: a → b → a",
      "steps form a cycle: c → d → c",
    ]);
  });

  it("rejects a value that refers to itself instead of looping", () => {
    const raw = definition();
    raw.description = raw;
    expect(validateDefinition(raw)).toEqual({
      ok: false,
      issues: [{ path: "", message: expect.stringContaining("not plain JSON data") }],
    });
  });

  it("rejects values that are not a definition object at all", () => {
    expect(validateDefinition(null)).toEqual({
      ok: false,
      issues: [{ path: "", message: "expected an object, got null" }],
    });
    expect(validateDefinition([])).toEqual({
      ok: false,
      issues: [{ path: "", message: "expected an object, got a list" }],
    });
  });
});
