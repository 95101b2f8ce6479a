// GET /api/metrics: per workflow, runs by status, success rate, p50/p95 duration
// and retries over a window of creation times, and the series the dashboard charts. Runs
// are driven on a frozen clock to known statuses, durations and retries, then read back.
// D1 is shared with other files: every assertion filters by this file's workflows.
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskReport } from "../../src/durable/run-commands";
import { failOnDemand } from "../fixtures/workflows-api/fail-on-demand";
import { inventoryCall, RETRY_DELAY_MS } from "../fixtures/workflows-api/inventory-call";
import { longNap } from "../fixtures/workflows-api/long-nap";
import { call, expectJson, expectProblem, saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { startRecordedRun, waitForOutboxFlush, type RecordedRun } from "../support/workers/runs";
import { issueToken, uniqueName } from "../support/workers/tokens";

const MINUTE = 60_000;
/** These runs make no model calls (token totals: metrics-tokens.test.ts). */
const NO_TOKENS = { inputTokens: 0, outputTokens: 0, costUsd: null };
const HOUR = 60 * MINUTE;
const NAP = uniqueName("metrics-nap");
const FAIL = uniqueName("metrics-fail");
const CALL = uniqueName("metrics-call");

const UNAVAILABLE: TaskReport["outcome"] = {
  ok: false,
  error: { code: "http_status", message: "503 Service Unavailable", retryable: true, httpStatus: 503 },
};
const OK: TaskReport["outcome"] = {
  ok: true,
  output: { status: 200, headers: {}, body: { count: 1 } },
  httpStatus: 200,
};

type ByStatus = Record<"queued" | "running" | "waiting" | "succeeded" | "failed" | "cancelled" | "timed_out", number>;
interface Stats {
  runs: number;
  byStatus: ByStatus;
  successRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  retries: number;
}
interface Metrics {
  window: string;
  from: string;
  to: string;
  bucket: string;
  totals: Stats;
  workflows: (Stats & { workflow: string })[];
  series: { at: string; byStatus: ByStatus; p50Ms: number | null; p95Ms: number | null }[];
  durationSample: { runs: number; capped: boolean };
}

const metrics = async (query: string, token?: string) =>
  expectJson<Metrics>(await call("GET", `/api/metrics?${query}`, token ? { token } : {}), 200);
const counts = (partial: Partial<ByStatus>): ByStatus => ({
  queued: 0,
  running: 0,
  waiting: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  timed_out: 0,
  ...partial,
});
const reportLatest = (run: RecordedRun, outcome: TaskReport["outcome"]) =>
  run.stub.report({ stepId: "call", attempt: run.dispatched.at(-1)!.attempt, outcome });

/** The hour the first runs are created in: in the future, so no real alarm fires on its own. */
let hour: number;
let now: number;

beforeAll(async () => {
  freezeClock();
  hour = Math.ceil(Date.now() / HOUR) * HOUR + HOUR;
  advanceClock(hour + 5 * MINUTE - Date.now());
  await Promise.all([saveWorkflow(NAP, longNap), saveWorkflow(FAIL, failOnDemand), saveWorkflow(CALL, inventoryCall)]);
  const all: RecordedRun[] = [];

  // Five naps created at hour+5m, woken after 60, 61, 62, 63 and 70 minutes.
  const naps = [];
  for (let i = 0; i < 5; i++) naps.push(await startRecordedRun(NAP));
  advanceClock(HOUR);
  for (const [index, wait] of [0, 1, 1, 1, 7].entries()) {
    advanceClock(wait * MINUTE);
    await runDurableObjectAlarm(naps[index]!.stub);
  }
  all.push(...naps);

  // At hour+75m: a nap left waiting, one run that succeeds and three that fail at once.
  all.push(await startRecordedRun(NAP));
  for (const fail of [false, true, true, true]) all.push(await startRecordedRun(FAIL, { fail, n: 1 }));

  // Two calls: one succeeds on its second attempt (1h), one spends all three and fails (2h).
  const [recovers, exhausts] = [await startRecordedRun(CALL, { sku: "A" }), await startRecordedRun(CALL, { sku: "B" })];
  for (const run of [recovers, exhausts]) await reportLatest(run, UNAVAILABLE);
  advanceClock(RETRY_DELAY_MS);
  for (const run of [recovers, exhausts]) await runDurableObjectAlarm(run.stub);
  await reportLatest(recovers, OK);
  await reportLatest(exhausts, UNAVAILABLE);
  advanceClock(RETRY_DELAY_MS);
  await runDurableObjectAlarm(exhausts.stub);
  await reportLatest(exhausts, UNAVAILABLE);
  all.push(recovers, exhausts);

  for (const run of all) await waitForOutboxFlush(run.runId);
  now = Date.now();
});

afterAll(restoreClock);

describe("metrics of one workflow", () => {
  it("counts runs by status and takes nearest-rank p50 and p95 over the finished ones", async () => {
    const body = await metrics(`workflow=${NAP}`);
    const expected = {
      runs: 6,
      byStatus: counts({ succeeded: 5, waiting: 1 }),
      successRate: 1,
      p50Ms: 62 * MINUTE,
      p95Ms: 70 * MINUTE,
      retries: 0,
      ...NO_TOKENS,
    };
    expect(body.totals).toEqual(expected);
    expect(body.workflows).toEqual([{ workflow: NAP, ...expected }]);
    expect(body.durationSample).toEqual({ runs: 5, capped: false });
  });

  it("rates success over finished runs only", async () => {
    const { totals } = await metrics(`workflow=${FAIL}`);
    expect(totals).toMatchObject({
      runs: 4,
      byStatus: counts({ succeeded: 1, failed: 3 }),
      successRate: 0.25,
      p50Ms: 0,
      p95Ms: 0,
    });
  });

  it("sums the retries the steps' policies spent", async () => {
    const { totals } = await metrics(`workflow=${CALL}`);
    expect(totals).toEqual({
      runs: 2,
      byStatus: counts({ succeeded: 1, failed: 1 }),
      successRate: 0.5,
      p50Ms: HOUR,
      p95Ms: 2 * HOUR,
      retries: 3,
      ...NO_TOKENS,
    });
  });

  it("is empty, with no rate or percentiles, for a workflow without runs", async () => {
    const body = await metrics(`workflow=${uniqueName("metrics-nobody")}`);
    expect(body.totals).toEqual({
      runs: 0,
      byStatus: counts({}),
      successRate: null,
      p50Ms: null,
      p95Ms: null,
      retries: 0,
      ...NO_TOKENS,
    });
    expect(body.workflows).toEqual([]);
  });
});

describe("metrics across workflows", () => {
  it("lists each workflow with the same figures as its own filter", async () => {
    const body = await metrics("window=24h");
    for (const workflow of [NAP, FAIL, CALL]) {
      const alone = await metrics(`workflow=${workflow}`);
      expect(body.workflows.find((entry) => entry.workflow === workflow)).toEqual({ workflow, ...alone.totals });
    }
    expect(body.totals.runs).toBeGreaterThanOrEqual(12);
  });
});

describe("the window and the series", () => {
  it("defaults to 24h in 1h buckets aligned to the hour, covering now", async () => {
    const body = await metrics(`workflow=${NAP}`);
    expect(body).toMatchObject({
      window: "24h",
      bucket: "1h",
      to: new Date(now).toISOString(),
      from: new Date(now - 24 * HOUR).toISOString(),
    });
    expect(body.series).toHaveLength(25);
    expect(body.series.at(-1)!.at).toBe(new Date(Math.floor(now / HOUR) * HOUR).toISOString());
    const at = (ms: number) => body.series.find((point) => point.at === new Date(ms).toISOString());
    expect(at(hour)).toEqual({
      at: new Date(hour).toISOString(),
      byStatus: counts({ succeeded: 5 }),
      p50Ms: 62 * MINUTE,
      p95Ms: 70 * MINUTE,
    });
    expect(at(hour + HOUR)).toEqual({
      at: new Date(hour + HOUR).toISOString(),
      byStatus: counts({ waiting: 1 }),
      p50Ms: null,
      p95Ms: null,
    });
    const total = body.series.reduce((sum, point) => sum + Object.values(point.byStatus).reduce((a, b) => a + b, 0), 0);
    expect(total).toBe(6);
  });

  it("leaves out runs created before the window, in smaller buckets", async () => {
    // now is hour+195m: a 3h window starts at hour+15m, after the five naps of hour+5m.
    const body = await metrics(`workflow=${NAP}&window=3h`);
    expect(body.bucket).toBe("5m");
    expect(body.series).toHaveLength(37);
    expect(body.totals).toMatchObject({ runs: 1, byStatus: counts({ waiting: 1 }), successRate: null, p50Ms: null });
  });

  it("refuses a window that is not a duration in m, h or d, or is over 90d, naming query.window", async () => {
    for (const window of ["2w", "0h", "91d", "1.5h", "30s", "soon", ""]) {
      const problem = await expectProblem(await call("GET", `/api/metrics?window=${window}`), 400, "bad_request");
      expect(
        problem.issues?.map((issue) => issue.path),
        window,
      ).toEqual(["query.window"]);
    }
    await metrics("window=90d");
  });
});

describe("the OpenAPI document", () => {
  it("describes the route, its query and its answer", async () => {
    const doc = await expectJson<{
      paths: Record<string, { get?: { parameters?: { name: string }[]; responses: Record<string, unknown> } }>;
    }>(await call("GET", "/api/openapi.json", { token: null }), 200);
    const operation = doc.paths["/api/metrics"]?.get;
    expect(operation?.parameters?.map((parameter) => parameter.name).sort()).toEqual(["window", "workflow"]);
    expect(operation?.responses).toHaveProperty("200");
  });
});

describe("who may read metrics", () => {
  it("lets a viewer read them", async () => {
    const viewer = await issueToken("viewer");
    expect((await metrics(`workflow=${NAP}`, viewer.token)).totals.runs).toBe(6);
  });

  it("refuses a request without a token with 401", async () => {
    await expectProblem(await call("GET", "/api/metrics", { token: null }), 401, "unauthorized");
  });
});
