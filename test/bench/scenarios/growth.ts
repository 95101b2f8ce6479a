// Scenarios h and i: how a run's cost grows with its steps (maps of 1 to 100,000 transform
// items, one run at a time), its Durable Object storage per step, memory across the largest
// map, and the D1 rows each run adds. Per-step cost = (run time − run time of an empty map) / n,
// run time as the client observes it (start request sent → a poll sees the run finished).
import { expectedOutput, mapOutput } from "../flows.ts";
import { countRows, rowsPerRun, settledRows } from "../d1-rows.ts";
import { groupUsage } from "../systems.ts";
import { sleep } from "../stats.ts";
import { throughput } from "./throughput.ts";
import type { Context, Measured, Scenario } from "./scenario.ts";

const MAP_POLL_MS = 5;

interface MapRun {
  ms: number;
  bytes: number | null;
  errors: string[];
  rssPeakKiB: number;
}

async function mapRun(context: Context, count: number): Promise<MapRun> {
  const waymark = context.waymark;
  let rssPeakKiB = groupUsage(context.workers.waymark).rssKiB;
  const sampler = setInterval(
    () => (rssPeakKiB = Math.max(rssPeakKiB, groupUsage(context.workers.waymark).rssKiB)),
    100,
  );
  const sentAt = Date.now();
  try {
    const { run } = await waymark.call<{ run: { id: string } }>(
      "POST",
      "/api/workflows/bench-map/runs",
      { input: { count } },
      [202],
    );
    // Observed here, polling every few ms: inside workerd the clock stands still between I/O,
    // so a run's own finishedAt can predate the end of a long stretch of work by far.
    for (const deadline = Date.now() + 300_000; Date.now() < deadline; await sleep(MAP_POLL_MS)) {
      const outcome = await waymark.run(run.id);
      if (!outcome.finished) continue;
      const ms = Date.now() - sentAt;
      const ok = outcome.succeeded && JSON.stringify(outcome.output) === JSON.stringify(mapOutput(count));
      const errors = ok
        ? []
        : [`map of ${count}: ${JSON.stringify({ ...outcome, output: JSON.stringify(outcome.output).slice(0, 200) })}`];
      return { ms, bytes: outcome.storageBytes, errors, rssPeakKiB };
    }
    return { ms: Number.NaN, bytes: null, errors: [`map of ${count}: unfinished after 300 s (${run.id})`], rssPeakKiB };
  } finally {
    clearInterval(sampler);
  }
}

const baselineKey = (round: number) => `map0:${round}`;

function growthScenario(size: number, onlyFirstRound: boolean): Scenario {
  return {
    id: `h${size}`,
    title: size === 0 ? "map of 0 items: fixed cost of a run" : `map of ${size.toLocaleString("en")}: per-step cost`,
    unit: size === 0 ? "ms" : "µs/step",
    better: "lower",
    ...(onlyFirstRound ? { inRound: (round: number) => round === 1 } : {}),
    measure: {
      waymark: async (context, round): Promise<Measured> => {
        const rssBeforeKiB = groupUsage(context.workers.waymark).rssKiB;
        const run = await mapRun(context, size);
        if (size === 0) {
          context.notes.set(baselineKey(round), run);
          return { value: run.ms, errors: run.errors, detail: { bytes: run.bytes } };
        }
        const base = (context.notes.get(baselineKey(round)) ?? context.notes.get(baselineKey(1))) as MapRun | undefined;
        const baseMs = base?.ms ?? 0;
        context.notes.set(`map:${size}:${round}`, { ...run, baseBytes: base?.bytes ?? null });
        return {
          value: ((run.ms - baseMs) * 1000) / size,
          errors: run.errors,
          detail: {
            runMs: run.ms,
            wholeRunUsPerStep: (run.ms * 1000) / size,
            storageBytes: run.bytes,
            storageBytesPerStep: run.bytes !== null && base?.bytes != null ? (run.bytes - base.bytes) / size : null,
            rssBeforeMiB: rssBeforeKiB / 1024,
            rssPeakMiB: run.rssPeakKiB / 1024,
            rssAfterMiB: groupUsage(context.workers.waymark).rssKiB / 1024,
          },
        };
      },
    },
  };
}

async function storagePerStep(context: Context): Promise<Measured> {
  const n = 42;
  const { run } = await context.waymark.call<{ run: { id: string } }>(
    "POST",
    "/api/workflows/bench-seq5/runs",
    { input: { n } },
    [202],
  );
  for (let i = 0; i < 200; i++, await sleep(25)) {
    const outcome = await context.waymark.run(run.id);
    if (!outcome.finished) continue;
    const errors =
      outcome.succeeded && outcome.output === expectedOutput("seq5", n)
        ? []
        : [`storage run ${run.id}: ${JSON.stringify(outcome)}`];
    return { value: (outcome.storageBytes ?? Number.NaN) / 5, errors, detail: { storageBytes: outcome.storageBytes } };
  }
  return { value: Number.NaN, errors: [`storage run ${run.id}: unfinished`] };
}

async function d1RowsPerRun(context: Context): Promise<Measured> {
  const persistTo = context.workers.waymark.persistTo;
  const runs = Math.max(5, Math.min(50, context.options.runs.seq5));
  const before = await settledRows(persistTo);
  const batch = await throughput(context, context.waymark, "seq5", runs, context.options.inFlight);
  const after = await settledRows(persistTo);
  const perRun = rowsPerRun(before, after, runs);
  return {
    value: Object.values(perRun).reduce((a, b) => a + b, 0),
    errors: batch.errors,
    detail: { runs, rowsPerRunByTable: perRun, tables: Object.keys(countRows(persistTo)).length },
  };
}

export const growthScenarios = (sizes: number[], bigMap: number): Scenario[] => [
  ...sizes.map((size) => growthScenario(size, false)),
  ...(bigMap > 0 ? [growthScenario(bigMap, true)] : []),
  {
    id: "i-do",
    title: "DO storage ÷ 5, whole 5-step transform run",
    unit: "bytes",
    better: "lower",
    inRound: (round) => round === 1,
    measure: { waymark: storagePerStep },
  },
  {
    id: "i-d1",
    title: "D1 rows inserted per 5-step run",
    unit: "rows",
    better: "lower",
    inRound: (round) => round === 1,
    measure: { waymark: d1RowsPerRun },
  },
];
