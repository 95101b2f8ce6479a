// Latency scenarios. Idle (f): one 5-step run at a time, from the start request to the moment
// the client can know it finished (the start's own answer, or a poll every 10 ms: the same
// for both systems). Sleep (d): how far past its one second a sleeping run finishes.
import { expectedOutput } from "../flows.ts";
import { runBatch, type Runner } from "../runners.ts";
import { percentile, sleep } from "../stats.ts";
import type { Context, Measured, Scenario } from "./scenario.ts";

const IDLE_POLL_MS = 10;
const IDLE_TIMEOUT_MS = 30_000;
const SLEEP_MS = 1_000;

let nextBase = 5_000_000;

async function idleLatency(context: Context, runner: Runner): Promise<Measured> {
  const errors: string[] = [];
  const observed: number[] = [];
  const server: number[] = [];
  for (let i = 0; i < context.options.idleRuns; i++) {
    const n = nextBase++;
    const t0 = Date.now();
    const { id, finished } = await runner.start("seq5", n);
    const ackedAt = Date.now();
    let seenAt = finished ? ackedAt : null;
    let [outcome] = await runner.outcomes("seq5", [id]);
    while (seenAt === null && !outcome?.finished) {
      if (Date.now() - t0 > IDLE_TIMEOUT_MS) break;
      await sleep(IDLE_POLL_MS);
      [outcome] = await runner.outcomes("seq5", [id]);
    }
    seenAt ??= Date.now();
    if (!outcome?.finished) errors.push(`${runner.system} idle run ${id}: unfinished after ${IDLE_TIMEOUT_MS} ms`);
    else if (!outcome.succeeded || outcome.output !== expectedOutput("seq5", n))
      errors.push(`${runner.system} idle run ${id}: ${JSON.stringify(outcome)}`);
    observed.push(seenAt - t0);
    server.push(Math.max(outcome?.finishedAt ?? ackedAt, ackedAt) - t0);
    await sleep(20);
  }
  return {
    value: percentile(observed, 50),
    errors,
    detail: {
      runs: observed.length,
      observedMs: observed,
      p90Ms: percentile(observed, 90),
      systemClockP50Ms: percentile(server, 50),
    },
  };
}

async function sleepOvershoot(context: Context, runner: Runner): Promise<Measured> {
  const count = context.options.runs.sleep1;
  const batch = await runBatch(runner, "sleep1", count, count, 60_000, (nextBase += 1000));
  const overshoot = batch.started.map((run) => {
    const outcome = batch.outcomes.get(run.id);
    return Math.max(outcome?.finishedAt ?? 0, run.ackedAt) - run.sentAt - SLEEP_MS;
  });
  return {
    value: percentile(overshoot, 50),
    errors: batch.errors,
    detail: { runs: count, overshootP90Ms: percentile(overshoot, 90), overshootMaxMs: Math.max(...overshoot) },
  };
}

export const latencyScenarios = (): Scenario[] => [
  {
    id: "d",
    title: "sleep 1s: finish − start − 1 s, p50",
    unit: "ms",
    better: "lower",
    measure: { waymark: (c) => sleepOvershoot(c, c.waymark), peer: (c) => sleepOvershoot(c, c.peer) },
  },
  {
    id: "f",
    title: "idle 5-step transform latency p50",
    unit: "ms",
    better: "lower",
    ceiling: "ceil-idle",
    measure: { waymark: (c) => idleLatency(c, c.waymark), peer: (c) => idleLatency(c, c.peer) },
    target: {
      text: "W/peer ≤ 0.35, W/ceil ≤ 2",
      check: ({ waymark, peer, ceiling }) =>
        waymark !== null && peer !== null && ceiling !== null && waymark / peer <= 0.35 && waymark / ceiling <= 2,
    },
  },
];
