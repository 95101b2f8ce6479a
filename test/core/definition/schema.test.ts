import { type Schema, Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import {
  IO_STEP_TYPES,
  STEP_TYPES,
  definitionSchema,
  expectedStatuses,
  isIoStep,
  stepSchema,
} from "../../../src/core/definition/schema";
import { definitionJsonSchema } from "../../../src/core/definition/json-schema";
import { loadFixture, withStep } from "./helpers";

describe("definition schema", () => {
  it("dispatches http, llm and retrieve steps to the queue and nothing else", () => {
    expect(STEP_TYPES.filter((type) => isIoStep({ type }))).toEqual([...IO_STEP_TYPES]);
  });

  it.each<[string, unknown, number[] | undefined]>([
    ["a list", [200, 404], [200, 404]],
    ["{status}", { status: [201] }, [201]],
    ["nothing (any 2xx)", undefined, undefined],
  ])("normalises expect written as %s", (_form, expect_, statuses) => {
    const step = stepSchema.parse({
      id: "h",
      type: "http",
      request: { url: "https://x.test" },
      ...(expect_ ? { expect: expect_ } : {}),
    });
    expect(step.type === "http" ? expectedStatuses(step) : "not http").toEqual(statuses);
  });

  it("leaves name unset, durations as strings and applies no defaults", () => {
    const parsed = definitionSchema.parse({
      id: "a",
      triggers: [],
      steps: [{ id: "s", type: "http", request: { url: "u" }, timeout: "30s" }],
    });
    expect(parsed).toEqual({
      id: "a",
      triggers: [],
      steps: [{ id: "s", type: "http", request: { url: "u" }, timeout: "30s" }],
    });
  });
});

describe("definitionJsonSchema", () => {
  const schema = definitionJsonSchema();

  it("is draft 2020-12 with the Waymark $id and a title", () => {
    expect(schema).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: "https://waymark.dev/definition.schema.json",
      title: "Waymark workflow definition",
    });
  });

  it("is valid JSON and computed once", () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    expect(definitionJsonSchema()).toBe(schema);
  });

  it("lists every step type and rejects unknown fields", () => {
    const text = JSON.stringify(schema);
    for (const type of STEP_TYPES) expect(text).toContain(`"const":"${type}"`);
    expect(schema).toMatchObject({ additionalProperties: false, required: ["id", "triggers", "steps"] });
  });

  it("carries descriptions for editors", () => {
    expect(JSON.stringify(schema)).toContain("An integer and a unit");
  });
});

describe("definitionJsonSchema as an editor would use it", () => {
  const validator = new Validator(definitionJsonSchema() as Schema, "2020-12", false);

  it("accepts the order-fulfilment example and the every-step-type fixture", () => {
    for (const file of ["order-fulfilment.yaml", "every-step-type.yaml"]) {
      expect(validator.validate(loadFixture(file)).errors).toEqual([]);
    }
  });

  it.each<[string, unknown]>([
    ["an unknown step type", withStep({ type: "htp" })],
    ["an unknown field", withStep({ type: "transform", expr: "1", retries: 2 })],
    ["a bad duration", withStep({ type: "transform", expr: "1", timeout: "5 min" })],
  ])("rejects %s", (_name, raw) => {
    expect(validator.validate(raw).valid).toBe(false);
  });
});
