// How much chaos: the full run of `npm run chaos` and the smaller one inside `npm test`.
// Every figure can be set on the command line; `--seed` replays a run's plan.
import { randomSeed } from "./random.ts";

export interface ChaosOptions {
  seed: number;
  /** `--control`: the same plan with no kill, to tell what the kills cause from what the load alone does. */
  control: boolean;
  /** SIGKILLs of wrangler and workerd together, each followed at once by a restart. */
  kills: number;
  /** Runs started through POST /api/workflows/{id}/runs, each with its own Idempotency-Key. */
  apiRuns: number;
  /** Distinct webhook deliveries, each with its own delivery id. */
  webhooks: number;
  /** Deliberate redeliveries, during the chaos, of deliveries already acknowledged. */
  redeliveries: number;
  /** Items of the one `map` run (http items to the receiver), and how many run at once. */
  mapItems: number;
  mapConcurrency: number;
  /** Time from a restart (or the start of the load) to the next kill, drawn from this range. */
  killGapMs: { min: number; max: number };
  /** Everything must have settled this long after the last restart. */
  settleLimitMs: number;
  /** How long to keep waiting past the limit so that a late settle is still measured (0: stop at the limit). */
  overtimeMs: number;
}

export type ChaosSize = Omit<ChaosOptions, "seed" | "control">;

const FULL: ChaosSize = {
  kills: 10,
  apiRuns: 100,
  webhooks: 100,
  redeliveries: 30,
  mapItems: 300,
  mapConcurrency: 200,
  killGapMs: { min: 2_000, max: 6_000 },
  settleLimitMs: 60_000,
  overtimeMs: 60_000,
};

/** The variant inside `npm test`: a map still wider than one queue batch (100 messages). */
export const SMALL: ChaosSize = {
  kills: 3,
  apiRuns: 30,
  webhooks: 30,
  redeliveries: 10,
  mapItems: 120,
  mapConcurrency: 110,
  killGapMs: { min: 2_000, max: 5_000 },
  settleLimitMs: 60_000,
  overtimeMs: 0,
};

const FLAGS: Record<string, (options: ChaosOptions, value: number) => void> = {
  "--seed": (o, v) => (o.seed = v >>> 0),
  "--kills": (o, v) => (o.kills = v),
  "--api": (o, v) => (o.apiRuns = v),
  "--webhooks": (o, v) => (o.webhooks = v),
  "--redeliveries": (o, v) => (o.redeliveries = v),
  "--map-items": (o, v) => (o.mapItems = v),
  "--map-concurrency": (o, v) => (o.mapConcurrency = v),
  "--gap-min": (o, v) => (o.killGapMs = { ...o.killGapMs, min: v * 1000 }),
  "--gap-max": (o, v) => (o.killGapMs = { ...o.killGapMs, max: v * 1000 }),
  "--settle-limit": (o, v) => (o.settleLimitMs = v * 1000),
  "--overtime": (o, v) => (o.overtimeMs = v * 1000),
};

const USAGE = `npm run chaos -- [--small] [--control] ${Object.keys(FLAGS)
  .map((flag) => `[${flag} N]`)
  .join(" ")}  (gaps between kills, --settle-limit and --overtime in seconds)`;

/** `--small` starts from the test's sizes; a flag given twice keeps the last value. */
export function parseOptions(argv: string[]): ChaosOptions {
  const options: ChaosOptions = {
    ...(argv.includes("--small") ? SMALL : FULL),
    seed: randomSeed(),
    control: argv.includes("--control"),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === "--small" || flag === "--control") continue;
    const set = FLAGS[flag];
    const value = Number(argv[i + 1]);
    if (!set || !Number.isFinite(value) || value < 0)
      throw new Error(`bad option ${flag} ${argv[i + 1] ?? ""}\n${USAGE}`);
    set(options, value);
    i++;
  }
  if (options.kills < 1) throw new Error("--kills must be at least 1 (--control runs the plan without killing)");
  if (options.killGapMs.min > options.killGapMs.max) throw new Error("--gap-min is above --gap-max");
  if (options.redeliveries > 0 && options.webhooks === 0) throw new Error("--redeliveries needs --webhooks");
  return options;
}
