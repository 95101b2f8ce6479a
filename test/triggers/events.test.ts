// POST /api/events: an event starts every enabled workflow subscribed to its
// name, maps its payload through the trigger's input, and a repeated key starts nothing new.
import { describe, expect, it } from "vitest";
import { call, expectJson, getRun, saveWorkflow } from "../support/workers/api";

interface Outcome {
  eventId: string;
  started: string[];
  resumed: string[];
  skipped: { workflow: string; code: string }[];
  duplicate: boolean;
}

const subscriber = (id: string, event: string, input?: string) => ({
  id,
  triggers: [{ type: "event", name: event, ...(input ? { input } : {}) }],
  steps: [{ id: "echo", type: "transform", expr: "input" }],
});

describe("publishing an event", () => {
  it("starts every enabled subscriber, with the payload (or its mapping) as input", async () => {
    await saveWorkflow("ev-plain", subscriber("ev-plain", "order.created"));
    await saveWorkflow("ev-mapped", subscriber("ev-mapped", "order.created", "{ 'order': payload.id, 'event': name }"));
    await saveWorkflow("ev-other", subscriber("ev-other", "order.shipped"));
    const outcome = await expectJson<Outcome>(
      await call("POST", "/api/events", { json: { name: "order.created", payload: { id: "o-1" } } }),
      202,
    );
    expect(outcome.started).toHaveLength(2);
    expect(outcome.resumed).toEqual([]);
    const runs = await Promise.all(outcome.started.map(getRun));
    expect(Object.fromEntries(runs.map((run) => [run.workflow, run.input]))).toEqual({
      "ev-plain": { id: "o-1" },
      "ev-mapped": { order: "o-1", event: "order.created" },
    });
    expect(runs[0]!.trigger).toMatchObject({ type: "event", name: "order.created", eventId: outcome.eventId });
  });

  it("starts nothing in a disabled workflow", async () => {
    await saveWorkflow("ev-off", subscriber("ev-off", "user.deleted"));
    await expectJson(await call("PATCH", "/api/workflows/ev-off", { json: { enabled: false } }), 200);
    const outcome = await expectJson<Outcome>(
      await call("POST", "/api/events", { json: { name: "user.deleted", payload: {} } }),
      202,
    );
    expect(outcome.started).toEqual([]);
  });

  it("with a key already seen answers 200 with the first event's runs and starts nothing new", async () => {
    await saveWorkflow("ev-keyed", subscriber("ev-keyed", "invoice.paid"));
    const first = await expectJson<Outcome>(
      await call("POST", "/api/events", { json: { name: "invoice.paid", payload: { n: 1 }, key: "inv-9" } }),
      202,
    );
    const again = await expectJson<Outcome>(
      await call("POST", "/api/events", { json: { name: "invoice.paid", payload: { n: 2 }, key: "inv-9" } }),
      200,
    );
    expect(again).toMatchObject({ eventId: first.eventId, started: first.started, duplicate: true });
    const runs = await expectJson<{ runs: unknown[] }>(await call("GET", "/api/runs?workflow=ev-keyed"), 200);
    expect(runs.runs).toHaveLength(1);
  });

  it("reports a subscriber whose input schema rejects the payload as skipped", async () => {
    await saveWorkflow("ev-strict", {
      ...subscriber("ev-strict", "lead.new"),
      input: { type: "object", required: ["email"] },
    });
    const outcome = await expectJson<Outcome>(
      await call("POST", "/api/events", { json: { name: "lead.new", payload: { name: "no email" } } }),
      202,
    );
    expect(outcome.started).toEqual([]);
    expect(outcome.skipped).toEqual([expect.objectContaining({ workflow: "ev-strict", code: "validation_failed" })]);
  });

  it("without a name is a 422 with the path", async () => {
    const response = await call("POST", "/api/events", { json: { payload: {} } });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe("name");
  });
});
