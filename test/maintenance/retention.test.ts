// Data retention (issue: security): once a day the minute tick forgets finished runs older
// than their workflow's `retention` — in the run's Durable Object, in R2 and in D1 — and
// records the prune in the audit log. Runs without retention, or unfinished, stay.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, expectJson, saveWorkflow } from "../support/workers/api";
import { readRun, runStubFor, startRecordedRun } from "../support/workers/runs";

const DAY = 24 * 60 * 60 * 1000;

async function tick(at: number): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), env);
}

async function indexRow(runId: string) {
  return env.DB.prepare("SELECT id FROM runs WHERE id = ?").bind(runId).first();
}

beforeEach(async () => {
  await env.DB.prepare("DELETE FROM maintenance").run();
});

describe("retention", () => {
  it("forgets a finished run past its workflow's retention: object, R2 blobs, index row", async () => {
    await saveWorkflow("keep-1d", {
      id: "keep-1d",
      triggers: [],
      retention: "1d",
      steps: [{ id: "big", type: "transform", expr: "$pad('', 81920, 'x')" }],
    });
    const { runId } = await startRecordedRun("keep-1d");
    expect((await readRun(runId)).status).toBe("succeeded");
    expect((await env.BLOBS.list({ prefix: `runs/${runId}/` })).objects.length).toBeGreaterThan(0);

    await tick(Date.now() + 2 * DAY);

    expect(await runStubFor(runId).getRun()).toBeNull();
    expect((await call("GET", `/api/runs/${runId}`)).status).toBe(404);
    expect(await indexRow(runId)).toBeNull();
    expect((await env.BLOBS.list({ prefix: `runs/${runId}/` })).objects).toEqual([]);
    const audit = await expectJson<{ entries: { action: string; detail: { runs: string[] } }[] }>(
      await call("GET", "/api/audit?action=runs.pruned"),
      200,
    );
    expect(audit.entries.some((entry) => entry.detail.runs.includes(runId))).toBe(true);
  });

  it("keeps runs younger than the retention, runs of workflows without one, and unfinished runs", async () => {
    await saveWorkflow("keep-7d", {
      id: "keep-7d",
      triggers: [],
      retention: "7d",
      steps: [{ id: "a", type: "transform", expr: "1" }],
    });
    await saveWorkflow("keep-always", {
      id: "keep-always",
      triggers: [],
      steps: [{ id: "a", type: "transform", expr: "1" }],
    });
    await saveWorkflow("keep-napping", {
      id: "keep-napping",
      triggers: [],
      retention: "1d",
      steps: [{ id: "nap", type: "sleep", duration: "30d" }],
    });
    const young = (await startRecordedRun("keep-7d")).runId;
    const forever = (await startRecordedRun("keep-always")).runId;
    const napping = (await startRecordedRun("keep-napping")).runId;

    await tick(Date.now() + 2 * DAY);

    for (const runId of [young, forever, napping]) expect(await indexRow(runId)).not.toBeNull();
    expect((await readRun(napping)).status).toBe("waiting");
  });

  it("runs at most once a day", async () => {
    await saveWorkflow("keep-1h", {
      id: "keep-1h",
      triggers: [],
      retention: "1h",
      steps: [{ id: "a", type: "transform", expr: "1" }],
    });
    await tick(Date.now());
    const { runId } = await startRecordedRun("keep-1h");
    await tick(Date.now() + 2 * 60 * 60 * 1000);
    expect(await indexRow(runId)).not.toBeNull();
    await tick(Date.now() + DAY + 60_000);
    expect(await indexRow(runId)).toBeNull();
  });
});
