// The receiver's side of the story: which step effects arrived, how often, and whether
// any came from a run no trigger was acknowledged with.
import type { RecordedRequest } from "../support/mock-receiver.ts";
import { expectedEffects } from "./flows.ts";
import { acknowledgement, type Trigger } from "./senders.ts";

export interface AcknowledgedRun {
  trigger: Trigger;
  runId: string;
}

/** Each acknowledged trigger with the run id its acknowledgement carried. */
export function acknowledgedRuns(triggers: Trigger[]): AcknowledgedRun[] {
  return triggers.flatMap((trigger) => {
    const runId = acknowledgement(trigger)?.runId;
    return runId ? [{ trigger, runId }] : [];
  });
}

export interface EffectTally {
  expected: number;
  /** Expected keys that arrived at least once. */
  delivered: number;
  missing: string[];
  /** Requests that carried an Idempotency-Key, and those the receiver saw cut off mid-answer. */
  requests: number;
  aborted: number;
  /** Keys that arrived more than once, and the arrivals beyond each key's first. */
  repeatedKeys: number;
  extraArrivals: number;
  mostArrivals: { key: string; count: number } | null;
  /** Arrivals whose key names a run no trigger was acknowledged with, by run id. */
  unknownRuns: Map<string, number>;
}

export function tallyEffects(runs: AcknowledgedRun[], requests: RecordedRequest[], mapItems: number): EffectTally {
  const arrivals = new Map<string, number>();
  for (const request of requests)
    if (request.idempotencyKey !== null)
      arrivals.set(request.idempotencyKey, (arrivals.get(request.idempotencyKey) ?? 0) + 1);
  const expected = runs.flatMap(({ trigger, runId }) => expectedEffects(trigger.workflow, runId, mapItems));
  const known = new Set(runs.map((run) => run.runId));
  const unknownRuns = new Map<string, number>();
  let mostArrivals: EffectTally["mostArrivals"] = null;
  for (const [key, count] of arrivals) {
    const runId = key.split(":")[0]!;
    if (!known.has(runId)) unknownRuns.set(runId, (unknownRuns.get(runId) ?? 0) + count);
    if (count > (mostArrivals?.count ?? 1)) mostArrivals = { key, count };
  }
  const repeated = [...arrivals.values()].filter((count) => count > 1);
  return {
    expected: expected.length,
    delivered: expected.filter((key) => arrivals.has(key)).length,
    missing: expected.filter((key) => !arrivals.has(key)),
    requests: requests.filter((request) => request.idempotencyKey !== null).length,
    aborted: requests.filter((request) => request.aborted).length,
    repeatedKeys: repeated.length,
    extraArrivals: repeated.reduce((sum, count) => sum + count - 1, 0),
    mostArrivals,
    unknownRuns,
  };
}
