// The ceiling rows: the runtime's own figures on this machine, which Waymark's rows are
// compared with (W/ceiling). Latencies are measured as the Waymark rows they serve.
import { burst, fannedOutWrites, httpWrites, queueRoundTrip, type CeilingFigures } from "../ceiling.ts";
import { percentile } from "../stats.ts";
import { groupUsage } from "../systems.ts";
import type { Context, Measured, Scenario } from "./scenario.ts";

let prefix = 0;
const key = (round: number) => `r${round}-${++prefix}`;

const WARM_OBJECTS = 32;

const figure = (value: number, errors: string[], detail: Record<string, unknown> = {}): Measured => ({
  value,
  errors,
  detail,
});

export const ceilingScenarios = (): Scenario[] => [
  {
    id: "ceil-write",
    title: "ceiling: HTTP → new DO → 1 SQLite write",
    unit: "writes/s",
    better: "higher",
    measure: {
      ceiling: async (c, round) => {
        const cpuBefore = groupUsage(c.workers.ceiling).cpuMs;
        const f = await httpWrites(c.workers.ceiling.url, c.options.ceiling.writes, c.options.inFlight, key(round));
        const cpuMsPerWrite = (groupUsage(c.workers.ceiling).cpuMs - cpuBefore) / f.count;
        return figure(f.perSecond, f.errors, {
          requests: f.count,
          inFlight: c.options.inFlight,
          p50Ms: percentile(f.latencies, 50),
          p99Ms: percentile(f.latencies, 99),
          cpuMsPerWrite,
        });
      },
    },
  },
  {
    id: "ceil-warm",
    title: "ceiling: HTTP → one of 32 warm DOs → 1 write",
    unit: "writes/s",
    better: "higher",
    measure: {
      ceiling: async (c, round) => {
        const warm = key(round);
        await httpWrites(c.workers.ceiling.url, WARM_OBJECTS, WARM_OBJECTS, warm);
        const f = await httpWrites(
          c.workers.ceiling.url,
          c.options.ceiling.writes,
          c.options.inFlight,
          warm,
          (i) => `${warm}-${i % WARM_OBJECTS}`,
        );
        return figure(f.perSecond, f.errors, {
          requests: f.count,
          inFlight: c.options.inFlight,
          p50Ms: percentile(f.latencies, 50),
          p99Ms: percentile(f.latencies, 99),
        });
      },
    },
  },
  {
    id: "ceil-fanout",
    title: "ceiling: new DOs written from inside one request",
    unit: "writes/s",
    better: "higher",
    measure: {
      ceiling: async (c, round) => {
        const f = await fannedOutWrites(c.workers.ceiling.url, c.options.ceiling.fanout, key(round));
        return figure(f.perSecond, f.errors, { writes: f.count });
      },
    },
  },
  {
    id: "ceil-queue",
    title: "ceiling: queue send → consumer ack",
    unit: "msgs/s",
    better: "higher",
    measure: {
      ceiling: async (c, round) => {
        const f = await queueRoundTrip(c.workers.ceiling.url, c.options.ceiling.queue, key(round), 60_000);
        return figure(f.perSecond, f.errors, { messages: f.count });
      },
    },
  },
  {
    id: "ceil-idle",
    title: "ceiling: one HTTP → DO write at a time, p50",
    unit: "ms",
    better: "lower",
    measure: {
      ceiling: async (c, round) => {
        const f = await httpWrites(c.workers.ceiling.url, c.options.ceiling.idle, 1, key(round));
        return figure(percentile(f.latencies, 50), f.errors, { requests: f.count });
      },
    },
  },
  {
    id: "ceil-health",
    title: "ceiling: GET /health (a Worker alone), p50",
    unit: "ms",
    better: "lower",
    measure: {
      ceiling: async (c) => {
        const latencies: number[] = [];
        for (let i = 0; i < c.options.ceiling.idle; i++) {
          const started = performance.now();
          await (await fetch(`${c.workers.ceiling.url}/health`)).text();
          latencies.push(performance.now() - started);
        }
        return figure(percentile(latencies, 50), [], { requests: latencies.length });
      },
    },
  },
  burstScenario("ceil-burst", "HTTP → DO write", (c, round, count) =>
    httpWrites(c.workers.ceiling.url, count, count, key(round)),
  ),
  burstScenario("ceil-burst-enqueue", "HTTP → 1 queue send → 202", (c, round, count) =>
    burst(c.workers.ceiling.url, `/enqueue?round=${key(round)}`, "POST", count),
  ),
  burstScenario("ceil-burst-health", "GET /health (a Worker alone)", (c, _round, count) =>
    burst(c.workers.ceiling.url, "/health", "GET", count),
  ),
];

/** As many requests at once as the webhook scenario sends deliveries: their p99. */
function burstScenario(
  id: string,
  what: string,
  send: (c: Context, round: number, count: number) => Promise<CeilingFigures>,
): Scenario {
  return {
    id,
    title: `ceiling: ${what}, all at once, p99`,
    unit: "ms",
    better: "lower",
    measure: {
      ceiling: async (c, round) => {
        const count = c.options.webhookDeliveries;
        const f = await send(c, round, count);
        return figure(percentile(f.latencies, 99), f.errors, { requests: count, p50Ms: percentile(f.latencies, 50) });
      },
    },
  };
}
