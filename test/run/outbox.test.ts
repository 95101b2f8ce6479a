// Index and audit records leave the run through an outbox in its own storage, written
// with the state and flushed to D1 in the background (the hot path never waits
// on D1); a flush that fails is kept and retried by the alarm.
import { whileTableAway } from "../support/workers/d1-faults";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { longNap } from "../fixtures/workflows-api/long-nap";
import { signOffFlow } from "../fixtures/workflows-api/approvals";
import { drainIndexWriters } from "../../src/durable/index-writer-stub";
import { transformChain } from "../fixtures/workflows-api/transform-chain";
import { saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { countOutbox, pollUntil, readAlarm, startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";

const HOUR = 60 * 60_000;
/** How soon the coordinator retries a failed flush (OUTBOX_RETRY_MS in src/run/outbox-flush.ts). */
const OUTBOX_RETRY_MS = 5_000;

interface IndexRow {
  status: string;
  started_at: number | null;
  finished_at: number | null;
}
interface AuditRow {
  event_id: string;
  action: string;
  target: string;
  actor_type: string;
  detail: string | null;
}

const indexRow = (runId: string) =>
  env.DB.prepare("SELECT status, started_at, finished_at FROM runs WHERE id = ?").bind(runId).first<IndexRow>();
const auditRows = async (runId: string) =>
  (
    await env.DB.prepare(
      "SELECT event_id, action, target, actor_type, detail FROM audit_log WHERE run_id = ? ORDER BY seq",
    )
      .bind(runId)
      .all<AuditRow>()
  ).results;

let now: number;
beforeAll(async () => {
  await saveWorkflow("outbox-chain", transformChain);
  await saveWorkflow("outbox-nap", longNap);
  await saveWorkflow("outbox-sign-off", signOffFlow());
});
beforeEach(() => {
  now = freezeClock();
});
afterEach(() => {
  restoreClock();
  vi.restoreAllMocks();
});

describe("the run index row in D1", () => {
  it("catches up with the run's status after the flush", async () => {
    const { runId, stub } = await startRecordedRun("outbox-nap");
    await waitForOutboxFlush(runId);
    expect(await indexRow(runId)).toEqual({ status: "waiting", started_at: now, finished_at: null });
    await stub.cancel("test");
    await waitForOutboxFlush(runId);
    expect(await indexRow(runId)).toMatchObject({ status: "cancelled", finished_at: now });
  });

  it("follows a run woken by its alarm", async () => {
    const { runId, stub } = await startRecordedRun("outbox-nap");
    advanceClock(HOUR);
    await runDurableObjectAlarm(stub);
    await waitForOutboxFlush(runId);
    expect(await indexRow(runId)).toMatchObject({ status: "succeeded", finished_at: now + HOUR });
  });
});

describe("the audit rows of a run", () => {
  it("record run.started, each step.succeeded and run.succeeded, in order", async () => {
    const { runId } = await startRecordedRun("outbox-chain", { n: 1 });
    await waitForOutboxFlush(runId);
    const rows = await auditRows(runId);
    expect(rows.map((row) => [row.action, row.target])).toEqual([
      ["run.started", `run:${runId}`],
      ["step.succeeded", `run:${runId}/step:double`],
      ["step.succeeded", `run:${runId}/step:plus-one`],
      ["step.succeeded", `run:${runId}/step:describe`],
      ["run.succeeded", `run:${runId}`],
    ]);
    expect(new Set(rows.map((row) => row.actor_type))).toEqual(new Set(["run"]));
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(rows.length);
    expect(JSON.parse(rows[0]!.detail!)).toMatchObject({ trigger: { type: "api" } });
  });
});

describe("a flush that fails", () => {
  it("to reach D1 through the index writer: the writer keeps the rows and commits them when D1 is back", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const runId = await whileTableAway("audit_log", async () => {
      const { runId } = await startRecordedRun("outbox-nap");
      // The run is done with its rows: they are the writer's now.
      expect(
        await pollUntil(
          () => countOutbox(runId),
          (pending) => pending === 0,
        ),
      ).toBe(0);
      await drainIndexWriters(env);
      expect(logged).toHaveBeenCalledWith(
        expect.stringMatching(/index writer: commit to D1 failed/),
        expect.anything(),
      );
      return runId;
    });
    expect(await auditRows(runId)).toEqual([]);
    await drainIndexWriters(env);
    expect(await indexRow(runId)).toMatchObject({ status: "waiting" });
    expect((await auditRows(runId)).map((row) => row.action)).toEqual(["run.started"]);
  });

  it("to reach D1 directly (the approvals inbox): the run keeps the rows and its alarm retries soon", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const started = await whileTableAway("approvals", async () => {
      const started = await startRecordedRun("outbox-sign-off");
      const { runId } = started;
      expect(
        await pollUntil(
          () => readAlarm(runId),
          (alarm) => alarm === now + OUTBOX_RETRY_MS,
        ),
      ).toBe(now + OUTBOX_RETRY_MS);
      expect(await countOutbox(runId)).toBeGreaterThan(0);
      return started;
    });
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/outbox flush failed/), expect.anything());
    const { runId, stub } = started;
    advanceClock(OUTBOX_RETRY_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await waitForOutboxFlush(runId);
    expect(await indexRow(runId)).toMatchObject({ status: "waiting" });
    const inbox = await env.DB.prepare("SELECT step_id FROM approvals WHERE run_id = ?").bind(runId).all();
    expect(inbox.results).toEqual([{ step_id: "approve" }]);
  });
});
