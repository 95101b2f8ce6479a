// The index writers batch runs' index rows and audit entries into D1: an idle writer
// commits at once, a busy one keeps what comes within WRITER_INTERVAL_MS and commits it in
// one batch from its alarm. A run's newer row always wins, an audit row lands once, and a
// reader draining the writers sees everything they keep.
import { whileTableAway } from "../support/workers/d1-faults";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { IndexRows, IndexWriterRpc } from "../../src/durable/index-writer-stub";
import { newRunId } from "../../src/run/ids";
import { freezeClock, restoreClock } from "../support/workers/clock";

/** WRITER_INTERVAL_MS in src/writer/index-writer.ts. */
const WRITER_INTERVAL_MS = 1_000;

let now: number;
beforeEach(() => {
  now = freezeClock();
});
afterEach(() => {
  restoreClock();
  vi.restoreAllMocks();
});

/** A writer of its own, so the runs of other tests do not share it. */
function writer(): { stub: DurableObjectStub; rpc: IndexWriterRpc } {
  const stub = env.WRITERS.get(env.WRITERS.idFromName(`writer:test-${crypto.randomUUID()}`));
  return { stub, rpc: stub as unknown as IndexWriterRpc };
}

function indexRow(runId: string, status: string, updatedAt: number): NonNullable<IndexRows["index"]> {
  return {
    id: runId,
    workflowId: "writer-test",
    version: 1,
    status,
    triggerType: "api",
    errorCode: null,
    rerunOf: null,
    createdAt: now,
    startedAt: now,
    finishedAt: null,
    updatedAt,
    retries: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: null,
  };
}

function auditRow(runId: string, eventId: string): IndexRows["audits"][number] {
  return {
    eventId,
    at: now,
    actorType: "run",
    actorId: runId,
    actorName: null,
    action: "step.succeeded",
    target: `run:${runId}/step:a`,
    runId,
    requestId: null,
    result: "ok",
    detail: null,
  };
}

const statusInD1 = async (runId: string) =>
  (await env.DB.prepare("SELECT status FROM runs WHERE id = ?").bind(runId).first<{ status: string }>())?.status;
const auditCount = async (runId: string) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE run_id = ?").bind(runId).first<{ n: number }>())!.n;
const alarmOf = (stub: DurableObjectStub) =>
  runInDurableObject(stub, async (_writer, state) => state.storage.getAlarm());

describe("an index writer", () => {
  it("commits at once when idle: the appending run's flush waits for D1", async () => {
    const { rpc } = writer();
    const runId = newRunId(now);
    await rpc.append({ index: indexRow(runId, "running", now), audits: [auditRow(runId, `${runId}:1`)] });
    expect(await statusInD1(runId)).toBe("running");
    expect(await auditCount(runId)).toBe(1);
  });

  it("keeps what comes within the interval after a commit and commits it in one batch from its alarm", async () => {
    const { rpc, stub } = writer();
    const [first, second, third] = [newRunId(now), newRunId(now), newRunId(now)];
    await rpc.append({ index: indexRow(first, "running", now), audits: [] });
    await rpc.append({ index: indexRow(second, "running", now), audits: [auditRow(second, `${second}:1`)] });
    await rpc.append({ index: indexRow(third, "succeeded", now), audits: [] });
    expect(await statusInD1(second)).toBeUndefined();
    expect(await statusInD1(third)).toBeUndefined();
    expect(await alarmOf(stub)).toBe(now + WRITER_INTERVAL_MS);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await statusInD1(second)).toBe("running");
    expect(await statusInD1(third)).toBe("succeeded");
    expect(await auditCount(second)).toBe(1);
  });

  it("keeps a run's newest row, in the writer and in D1, whatever order rows arrive in", async () => {
    const { rpc } = writer();
    const runId = newRunId(now);
    await rpc.append({ index: indexRow(runId, "running", now), audits: [] });
    await rpc.append({ index: indexRow(runId, "succeeded", now + 20), audits: [] });
    await rpc.append({ index: indexRow(runId, "running", now + 10), audits: [] });
    await rpc.drain();
    expect(await statusInD1(runId)).toBe("succeeded");
    // A late row from another writer's batch (a resent flush) does not move D1 back either.
    await writer().rpc.append({ index: indexRow(runId, "running", now + 5), audits: [] });
    expect(await statusInD1(runId)).toBe("succeeded");
  });

  it("writes an audit row once, however often a run sends it", async () => {
    const { rpc } = writer();
    const runId = newRunId(now);
    const row = auditRow(runId, `${runId}:7`);
    await rpc.append({ audits: [row] });
    await rpc.append({ audits: [row] });
    await rpc.drain();
    await rpc.append({ audits: [row] });
    await rpc.drain();
    expect(await auditCount(runId)).toBe(1);
  });

  it("answers a drain with false while D1 refuses, keeping the rows for its retry", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { rpc, stub } = writer();
    const runId = newRunId(now);
    await whileTableAway("audit_log", async () => {
      await rpc.append({ index: indexRow(runId, "running", now), audits: [auditRow(runId, `${runId}:1`)] });
      expect(await rpc.drain()).toBe(false);
      expect(logged).toHaveBeenCalledWith(expect.stringMatching(/commit to D1 failed/), expect.anything());
      expect(await alarmOf(stub)).toBe(now + 1_000);
    });
    expect(await statusInD1(runId)).toBeUndefined();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await statusInD1(runId)).toBe("running");
    expect(await auditCount(runId)).toBe(1);
    expect(await rpc.drain()).toBe(true);
  });

  it("commits a backlog a full batch at a time, all of it on drain", async () => {
    const { rpc } = writer();
    const first = newRunId(now);
    await rpc.append({ index: indexRow(first, "running", now), audits: [] });
    const marker = crypto.randomUUID();
    const runIds = Array.from({ length: 700 }, () => newRunId(now));
    for (let i = 0; i < runIds.length; i += 100)
      await rpc.append({
        audits: runIds.slice(i, i + 100).map((runId) => ({ ...auditRow(runId, `${runId}:1`), requestId: marker })),
      });
    await rpc.drain();
    const committed = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE request_id = ?")
      .bind(marker)
      .first<{ n: number }>();
    expect(committed!.n).toBe(700);
  });
});
