// Run metrics from the run index (GET /api/metrics): counts by status, retries and duration
// percentiles over a window of creation times, aggregated in D1 so only small results travel.
import { and, eq, gte, lte, sql, type SQL } from "drizzle-orm";
import { FINISHED_RUN_STATUSES, RUN_STATUSES, type RunStatus } from "../core/engine/run-state";
import type { Database } from "./client";
import { runs } from "./schema";

/**
 * Percentiles are computed over at most this many finished runs, the newest in the window,
 * so a busy window costs one bounded sort; `durationSample` says when it was capped.
 */
const DURATION_SAMPLE_LIMIT = 10_000;

export interface MetricsQuery {
  /** Epoch ms, inclusive: runs created in [from, to]. */
  from: number;
  to: number;
  /** Series bucket size; buckets start at multiples of it since the epoch (UTC). */
  bucketMs: number;
  workflow?: string;
}

export type StatusCounts = Record<RunStatus, number>;
interface Durations {
  p50Ms: number | null;
  p95Ms: number | null;
}
interface RunStats extends Durations {
  runs: number;
  byStatus: StatusCounts;
  /** succeeded / finished (succeeded, failed, cancelled, timed_out); null when none finished. */
  successRate: number | null;
  retries: number;
  /** Model tokens of llm steps and triage, and their cost where priced (null: nothing priced). */
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}
export interface RunMetrics {
  totals: RunStats;
  workflows: (RunStats & { workflow: string })[];
  series: ({ at: number; byStatus: StatusCounts } & Durations)[];
  durationSample: { runs: number; capped: boolean };
}

/** Nearest-rank percentile: the 1-based position in n sorted values (0 when n is 0). */
export const percentileRank = (p: number, n: number): number => Math.ceil((p * n) / 100);
/** The same rank in SQL integer arithmetic, for an integer count column. */
const rankSql = (p: number, n: SQL) => sql`((${n}) * ${sql.raw(String(p))} + 99) / 100`;

export function emptyCounts(): StatusCounts {
  return Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as StatusCounts;
}

export function successRate(byStatus: StatusCounts): number | null {
  const finished = FINISHED_RUN_STATUSES.reduce((sum, status) => sum + byStatus[status], 0);
  return finished === 0 ? null : byStatus.succeeded / finished;
}

/** Start of every bucket that [from, to] touches, oldest first. */
export function bucketStarts(from: number, to: number, bucketMs: number): number[] {
  const starts: number[] = [];
  for (let at = Math.floor(from / bucketMs) * bucketMs; at <= to; at += bucketMs) starts.push(at);
  return starts;
}

const isRunStatus = (status: string): status is RunStatus => (RUN_STATUSES as readonly string[]).includes(status);
const inWindow = (query: MetricsQuery) =>
  and(
    gte(runs.createdAt, query.from),
    lte(runs.createdAt, query.to),
    query.workflow ? eq(runs.workflowId, query.workflow) : undefined,
  );
const bucketOf = (bucketMs: number) =>
  sql<number>`cast(${runs.createdAt} / ${sql.raw(String(Math.trunc(bucketMs)))} as integer) * ${sql.raw(String(Math.trunc(bucketMs)))}`;

function countByWorkflow(db: Database, query: MetricsQuery) {
  return db
    .select({
      workflow: runs.workflowId,
      status: runs.status,
      runs: sql<number>`count(*)`,
      retries: sql<number>`coalesce(sum(${runs.retries}), 0)`,
      inputTokens: sql<number>`coalesce(sum(${runs.inputTokens}), 0)`,
      outputTokens: sql<number>`coalesce(sum(${runs.outputTokens}), 0)`,
      costUsd: sql<number | null>`sum(${runs.costUsd})`,
    })
    .from(runs)
    .where(inWindow(query))
    .groupBy(runs.workflowId, runs.status)
    .all();
}

function countByBucket(db: Database, query: MetricsQuery) {
  const at = bucketOf(query.bucketMs);
  return db
    .select({ at, status: runs.status, runs: sql<number>`count(*)` })
    .from(runs)
    .where(inWindow(query))
    .groupBy(at, runs.status)
    .all();
}

interface RankedDuration {
  workflow: string;
  at: number;
  d: number;
  rn: number;
  n: number;
  brn: number;
  bn: number;
  trn: number;
  tn: number;
}

/**
 * Ranks the sampled durations three ways at once (per workflow, per bucket, overall) with
 * window functions, and returns only the rows at a wanted rank: at most two per partition.
 */
function rankedDurations(db: Database, query: MetricsQuery) {
  const wanted = (rank: string, count: string) =>
    sql`${sql.raw(rank)} IN (${rankSql(50, sql.raw(count))}, ${rankSql(95, sql.raw(count))})`;
  // `+status` keeps the planner off the status index: the created_at index, read newest first,
  // is what makes the LIMIT bound the rows read.
  const statuses = sql.join(
    FINISHED_RUN_STATUSES.map((status) => sql`${status}`),
    sql`, `,
  );
  const finished = and(inWindow(query), sql`+${runs.status} IN (${statuses}) AND ${runs.finishedAt} IS NOT NULL`);
  return db.all<RankedDuration>(sql`
    SELECT workflow, at, d, rn, n, brn, bn, trn, tn FROM (
      SELECT workflow, at, d,
        row_number() OVER (PARTITION BY workflow ORDER BY d) AS rn, count(*) OVER (PARTITION BY workflow) AS n,
        row_number() OVER (PARTITION BY at ORDER BY d) AS brn, count(*) OVER (PARTITION BY at) AS bn,
        row_number() OVER (ORDER BY d) AS trn, count(*) OVER () AS tn
      FROM (
        SELECT ${runs.workflowId} AS workflow, ${bucketOf(query.bucketMs)} AS at, ${runs.finishedAt} - coalesce(${runs.startedAt}, ${runs.createdAt}) AS d
        FROM ${runs} WHERE ${finished} ORDER BY ${runs.createdAt} DESC LIMIT ${DURATION_SAMPLE_LIMIT}
      )
    ) WHERE ${wanted("rn", "n")} OR ${wanted("brn", "bn")} OR ${wanted("trn", "tn")}`);
}

/** Picks p50 and p95 out of the ranked rows for one partition. */
function durationsOf(rows: RankedDuration[], rank: (row: RankedDuration) => [number, number]): Durations {
  const at = (p: number) => rows.find((row) => rank(row)[0] === percentileRank(p, rank(row)[1]))?.d ?? null;
  return { p50Ms: at(50), p95Ms: at(95) };
}

const newStats = (): RunStats => ({
  runs: 0,
  byStatus: emptyCounts(),
  successRate: null,
  p50Ms: null,
  p95Ms: null,
  retries: 0,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: null,
});

export async function readRunMetrics(db: Database, query: MetricsQuery): Promise<RunMetrics> {
  const [byWorkflow, byBucket, ranked] = await Promise.all([
    countByWorkflow(db, query),
    countByBucket(db, query),
    rankedDurations(db, query),
  ]);
  const totals = newStats();
  const workflows = new Map<string, RunStats & { workflow: string }>();
  for (const row of byWorkflow) {
    if (!isRunStatus(row.status)) continue;
    const stats = workflows.get(row.workflow) ?? { workflow: row.workflow, ...newStats() };
    workflows.set(row.workflow, stats);
    for (const target of [stats, totals]) {
      target.runs += row.runs;
      target.byStatus[row.status] += row.runs;
      target.retries += row.retries;
      target.inputTokens += row.inputTokens;
      target.outputTokens += row.outputTokens;
      if (row.costUsd !== null) target.costUsd = Math.round(((target.costUsd ?? 0) + row.costUsd) * 1e9) / 1e9;
    }
  }
  for (const stats of [totals, ...workflows.values()]) stats.successRate = successRate(stats.byStatus);
  Object.assign(
    totals,
    durationsOf(ranked, (row) => [row.trn, row.tn]),
  );
  for (const stats of workflows.values())
    Object.assign(
      stats,
      durationsOf(
        ranked.filter((row) => row.workflow === stats.workflow),
        (row) => [row.rn, row.n],
      ),
    );

  const series = bucketStarts(query.from, query.to, query.bucketMs).map((at) => ({
    at,
    byStatus: emptyCounts(),
    ...durationsOf(
      ranked.filter((row) => Number(row.at) === at),
      (row) => [row.brn, row.bn],
    ),
  }));
  const seriesAt = new Map(series.map((point) => [point.at, point]));
  for (const row of byBucket) {
    const point = seriesAt.get(Number(row.at));
    if (point && isRunStatus(row.status)) point.byStatus[row.status] += row.runs;
  }

  const sampled = ranked[0]?.tn ?? 0;
  const finished = FINISHED_RUN_STATUSES.reduce((sum, status) => sum + totals.byStatus[status], 0);
  return {
    totals,
    workflows: [...workflows.values()].sort((a, b) => a.workflow.localeCompare(b.workflow)),
    series,
    durationSample: { runs: sampled, capped: finished > sampled },
  };
}
