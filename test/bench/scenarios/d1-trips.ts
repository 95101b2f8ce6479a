// D1 round trips per run, amortized: every round trip Waymark makes through `env.DB` while a
// batch of runs is started, runs and finishes (outbox flushes after the finish included, and
// anything else the deployment did meanwhile, such as a watchdog pass), divided by the runs.
// Counted inside the Worker and its Durable Objects by the bench's entry (counting/). D1 is
// the one part of a deployment that does not scale out with the runs (docs/performance.md).
import { settledD1Counts, tripsPerRun } from "../d1-trips.ts";
import { pooled } from "../stats.ts";
import { throughput } from "./throughput.ts";
import { awaitDelivered, deliver, HOOK_TOKEN } from "./webhook.ts";
import type { Context, Measured, Scenario } from "./scenario.ts";

/** Before and after `work` (once the count stands still), per run. */
async function counted(context: Context, runs: number, work: () => Promise<Measured>): Promise<Measured> {
  const url = context.workers.waymark.url;
  const before = await settledD1Counts(url);
  const batch = await work();
  const { settledAfterMs, ...after } = await settledD1Counts(url);
  const trips = tripsPerRun(before, after, runs);
  return {
    value: trips.roundTrips,
    errors: batch.errors,
    detail: { runs, runsPerSecond: batch.value, settledAfterMs, ...trips },
  };
}

/** N runs of the 5-step transform flow started through the API, as in scenario a5. */
const apiRuns = (context: Context) => {
  const runs = context.options.runs.seq5;
  return counted(context, runs, () => throughput(context, context.waymark, "seq5", runs, context.options.inFlight));
};

/** N webhook deliveries (the 1-step echo flow of scenario g), as many in flight as a5's starts. */
const webhookRuns = (context: Context, round: number) => {
  const runs = context.options.runs.seq5;
  return counted(context, runs, async () => {
    const started = Date.now();
    const acks = await pooled(
      Array.from({ length: runs }, (_, i) => i),
      context.options.inFlight,
      (i) => deliver(context, `d1-${round}-${i}-${HOOK_TOKEN.slice(0, 6)}`, { i, round }),
    );
    const errors = acks
      .filter((ack) => ack.status !== 202 || !ack.runId)
      .map((ack) => `delivery ${ack.requestId}: answered ${ack.status}`);
    const outcomes = await awaitDelivered(context, acks, errors);
    const lastFinish = Math.max(...[...outcomes.values()].map((outcome) => outcome.finishedAt ?? 0));
    return { value: (outcomes.size * 1000) / Math.max(1, lastFinish - started), errors };
  });
};

const target = {
  text: "≤ 0.25 per run",
  check: ({ waymark }: { waymark: number | null }) => waymark !== null && waymark <= 0.25,
};

export const d1TripScenarios = (): Scenario[] => [
  {
    id: "i-d1rt",
    title: "D1 round trips per 5-step run, API start → finish (amortized)",
    unit: "round trips",
    better: "lower",
    measure: { waymark: apiRuns },
    target,
  },
  {
    id: "i-d1rt-hook",
    title: "D1 round trips per webhook run (1 step), delivery → finish (amortized)",
    unit: "round trips",
    better: "lower",
    measure: { waymark: webhookRuns },
    target,
  },
];
