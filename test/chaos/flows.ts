// The three flows the chaos test runs, and the effects each run must have had on the
// receiver. Every flow has two http steps to the receiver around a transform; the map
// flow's http items add one effect each.
import type { Definition } from "../../src/core/definition/schema.ts";

export const API_WORKFLOW = "chaos-api";
export const HOOK_WORKFLOW = "chaos-hook";
export const MAP_WORKFLOW = "chaos-map";
export const WORKFLOWS = [API_WORKFLOW, HOOK_WORKFLOW, MAP_WORKFLOW] as const;
export type ChaosWorkflow = (typeof WORKFLOWS)[number];

export const HOOK_SECRET_NAME = "CHAOS_HOOK_TOKEN";
/** The token scheme has no delivery id of its own: `verify.idHeader` names the header that carries it. */
export const DELIVERY_ID_HEADER = "x-delivery-id";
const MAP_STEP = "fanout";
const SLOW_MS = 300;

/**
 * A task lost with a killed process comes back when its attempt deadline passes: 10 s
 * (not http's default 30 s) so recovery fits in the 60 s settle limit, and attempts to
 * spare, so ten kills cannot exhaust a step's policy: a failure is the engine's, not the flow's.
 */
const PATIENT = { timeout: "10s", retry: { attempts: 20, backoff: "fixed", delay: "500ms" } } as const;

/**
 * A POST to the receiver. `slowMs` keeps the call open that long (the receiver's `/slow`),
 * so that kills also land while calls are in flight, not only between them.
 */
const call = (receiverUrl: string, step: string, body: Record<string, unknown>, slowMs = 0) => ({
  type: "http" as const,
  ...PATIENT,
  request: {
    method: "POST" as const,
    url: `${receiverUrl}/${slowMs > 0 ? `slow?ms=${slowMs}&` : "ok?"}run={{ run.id }}&step=${step}`,
    body,
  },
});

/** first (http) → shape (transform) → second (http): the flow of API runs and webhook runs alike. */
function twoCalls(id: string, trigger: Definition["triggers"][number], receiverUrl: string): Definition {
  return {
    id,
    triggers: [trigger],
    steps: [
      { id: "first", ...call(receiverUrl, "first", { n: "{{ input.n }}" }) },
      {
        id: "shape",
        type: "transform",
        needs: ["first"],
        expr: "{ 'n': input.n, 'firstSeq': steps.first.output.body.seq }",
      },
      {
        id: "second",
        needs: ["shape"],
        ...call(receiverUrl, "second", { shaped: "{{ steps.shape.output }}" }, SLOW_MS),
      },
    ],
    output: "{ 'n': input.n, 'first': steps.first.output.body.seq, 'second': steps.second.output.body.seq }",
  };
}

/** open (http) → fanout (a map of http items) → tally (transform) → close (http). */
function mapFlow(receiverUrl: string, concurrency: number): Definition {
  return {
    id: MAP_WORKFLOW,
    triggers: [{ type: "api" }],
    steps: [
      { id: "open", ...call(receiverUrl, "open", { count: "{{ input.count }}" }) },
      {
        id: MAP_STEP,
        type: "map",
        needs: ["open"],
        items: "[0..(input.count - 1)]",
        concurrency,
        step: call(receiverUrl, MAP_STEP, { item: "{{ item }}", index: "{{ index }}" }, SLOW_MS),
      },
      { id: "tally", type: "transform", needs: [MAP_STEP], expr: `$count(steps.${MAP_STEP}.output)` },
      { id: "close", needs: ["tally"], ...call(receiverUrl, "close", { tally: "{{ steps.tally.output }}" }) },
    ],
    output: "{ 'count': steps.tally.output }",
  };
}

export function chaosFlows(receiverUrl: string, mapConcurrency: number): Definition[] {
  const hookTrigger = {
    type: "webhook" as const,
    verify: { scheme: "token" as const, secret: `{{ secrets.${HOOK_SECRET_NAME} }}`, idHeader: DELIVERY_ID_HEADER },
  };
  return [
    twoCalls(API_WORKFLOW, { type: "api" }, receiverUrl),
    twoCalls(HOOK_WORKFLOW, hookTrigger, receiverUrl),
    mapFlow(receiverUrl, mapConcurrency),
  ];
}

/** The Idempotency-Keys a run of `workflow` must have sent: `<runId>:<stepId>[:<index>]`. */
export function expectedEffects(workflow: ChaosWorkflow, runId: string, mapItems: number): string[] {
  if (workflow !== MAP_WORKFLOW) return [`${runId}:first`, `${runId}:second`];
  const items = Array.from({ length: mapItems }, (_, index) => `${runId}:${MAP_STEP}:${index}`);
  return [`${runId}:open`, ...items, `${runId}:close`];
}
