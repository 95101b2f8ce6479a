// Metrics for the dashboard's Metrics page: per workflow, runs by status, success
// rate, p50/p95 duration, retries and model tokens over a window, plus a series of runs by status over time.
import { drainIndexWriters } from "../durable/index-writer-stub";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { parseDuration } from "../core/duration";
import { RUN_STATUSES } from "../core/engine/run-state";
import { database } from "../db/client";
import { readRunMetrics, type RunMetrics } from "../db/metrics";
import type { AppEnv } from "./app-env";
import { jsonContent, problems } from "./schemas";

const MAX_WINDOW_MS = 90 * 86_400_000;
/** Series bucket sizes, smallest first; a window gets the smallest that keeps the series short. */
const BUCKETS = ["1m", "5m", "15m", "1h", "6h", "1d"] as const;
const MAX_BUCKETS = 48;

/** The bucket for a window: the smallest with at most MAX_BUCKETS buckets, else the largest. */
export function chooseBucket(windowMs: number): { bucket: (typeof BUCKETS)[number]; bucketMs: number } {
  const bucket = BUCKETS.find((size) => windowMs / parseDuration(size) <= MAX_BUCKETS) ?? "1d";
  return { bucket, bucketMs: parseDuration(bucket) };
}

const WINDOW_PATTERN = /^[1-9]\d*[mhd]$/;

export const windowSchema = z
  .string()
  .regex(WINDOW_PATTERN, { message: "expected a duration in minutes, hours or days, such as 1h, 24h, 7d or 30d" })
  // zod runs refinements after a failed regex too: only a well-formed window is measured.
  .refine((window) => !WINDOW_PATTERN.test(window) || parseDuration(window) <= MAX_WINDOW_MS, {
    message: "at most 90d",
  })
  .default("24h")
  .openapi({ description: "How far back from now, by creation time: 1h, 24h, 7d, 30d… (at most 90d)", example: "24h" });

const byStatusSchema = z
  .object(
    Object.fromEntries(RUN_STATUSES.map((status) => [status, z.int()])) as Record<
      (typeof RUN_STATUSES)[number],
      z.ZodInt
    >,
  )
  .openapi("RunsByStatus");
const msSchema = z.number().nullable();
const statsShape = {
  runs: z.int(),
  byStatus: byStatusSchema,
  successRate: z.number().nullable().openapi({
    description: "succeeded / finished (succeeded, failed, cancelled, timed_out), 0..1; null when none finished",
  }),
  p50Ms: msSchema.openapi({ description: "Median duration (finish − start) of the finished runs, nearest rank" }),
  p95Ms: msSchema,
  retries: z
    .int()
    .openapi({ description: "Step attempts beyond the first, summed (redrives and map items not counted)" }),
  inputTokens: z.int().openapi({ description: "Model input tokens of llm steps and failure triage, summed" }),
  outputTokens: z.int().openapi({ description: "Model output tokens, summed" }),
  costUsd: z.number().nullable().openapi({
    description: "USD of the priced model calls (steps and triage with `pricing`); null when none was priced",
  }),
};
const metricsSchema = z
  .object({
    window: z.string(),
    from: z.string(),
    to: z.string(),
    bucket: z.enum(BUCKETS),
    totals: z.object(statsShape),
    workflows: z.array(z.object({ workflow: z.string(), ...statsShape })),
    series: z.array(
      z.object({
        at: z.string().openapi({ description: "Bucket start (UTC)" }),
        byStatus: byStatusSchema,
        p50Ms: msSchema,
        p95Ms: msSchema,
      }),
    ),
    durationSample: z
      .object({ runs: z.int(), capped: z.boolean() })
      .openapi({ description: "The finished runs the percentiles cover: the newest 10,000 in the window at most" }),
  })
  .openapi("Metrics");

const metricsRoute = createRoute({
  method: "get",
  path: "/api/metrics",
  tags: ["metrics"],
  summary: "Runs by status, success rate, p50/p95 duration and retries per workflow, with a series over time",
  request: {
    query: z.object({
      window: windowSchema,
      workflow: z.string().optional().openapi({ description: "Only this workflow" }),
    }),
  },
  responses: { 200: jsonContent(metricsSchema, "Metrics of the runs created in the window"), ...problems },
});

const iso = (ms: number) => new Date(ms).toISOString();

export function registerMetricsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(metricsRoute, async (c) => {
    const { window, workflow } = c.req.valid("query");
    const to = Date.now();
    const from = to - parseDuration(window);
    const { bucket, bucketMs } = chooseBucket(to - from);
    await drainIndexWriters(c.env);
    const metrics: RunMetrics = await readRunMetrics(database(c.env.DB), { from, to, bucketMs, workflow });
    const series = metrics.series.map((point) => ({ ...point, at: iso(point.at) }));
    return c.json({ window, from: iso(from), to: iso(to), bucket, ...metrics, series }, 200);
  });
}
