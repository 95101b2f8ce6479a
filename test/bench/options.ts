// How much the bench does: the default run (about five minutes on two cores) or the smoke
// run (`--smoke` or BENCH_SMOKE=1: tiny counts, one round, checks that everything works).
export interface BenchOptions {
  smoke: boolean;
  rounds: number;
  /** Only the scenarios whose ids start with one of these (`--only a5,g`); empty: all. */
  only: string[];
  /** `--report <results.json>`: print the table of a saved run instead of measuring. */
  report?: string;
  /** Start requests in flight at once in the throughput scenarios. */
  inFlight: number;
  runs: { seq1: number; seq5: number; http5: number; parallel10: number; sleep1: number };
  /** Runs started at once through the API (scenario e; sizes over 200 in the first round only), and which of them the peer runs too. */
  concurrent: number[];
  peerConcurrent: number[];
  concurrentInFlight: number;
  idleRuns: number;
  webhookDeliveries: number;
  /** Map sizes measured every round; `bigMap` items once (0: skipped). */
  mapSizes: number[];
  bigMap: number;
  ceiling: { writes: number; fanout: number; queue: number; idle: number };
}

const DEFAULT: BenchOptions = {
  smoke: false,
  rounds: 3,
  only: [],
  inFlight: 32,
  runs: { seq1: 100, seq5: 100, http5: 50, parallel10: 60, sleep1: 20 },
  concurrent: [200, 1000],
  peerConcurrent: [200],
  concurrentInFlight: 100,
  idleRuns: 15,
  webhookDeliveries: 500,
  mapSizes: [0, 1, 10, 100, 1_000, 10_000],
  bigMap: 100_000,
  ceiling: { writes: 300, fanout: 300, queue: 5_000, idle: 20 },
};

const SMOKE: BenchOptions = {
  ...DEFAULT,
  smoke: true,
  rounds: 1,
  inFlight: 4,
  runs: { seq1: 3, seq5: 3, http5: 2, parallel10: 2, sleep1: 2 },
  concurrent: [10],
  peerConcurrent: [10],
  concurrentInFlight: 10,
  idleRuns: 2,
  webhookDeliveries: 10,
  mapSizes: [0, 1, 10],
  bigMap: 0,
  ceiling: { writes: 20, fanout: 20, queue: 100, idle: 3 },
};

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const smoke = argv.includes("--smoke") || env.BENCH_SMOKE === "1";
  const options = { ...(smoke ? SMOKE : DEFAULT) };
  const value = (flag: string) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const rounds = value("--rounds");
  if (rounds !== undefined) options.rounds = Math.max(1, Number(rounds));
  const report = value("--report");
  if (report) options.report = report;
  const only = value("--only");
  if (only)
    options.only = only
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean);
  return options;
}
