// The audit log survives a crash: runs write their transitions through the
// outbox in their own storage; `wrangler dev` is SIGKILLed while they do, restarted on
// the same state folder, and once every run has finished the chain is complete and valid:
// each run's start and end recorded exactly once, nothing left unchained.
import { describe, expect, it } from "vitest";
import type { Definition } from "../../src/core/definition/schema";
import { useStack } from "../support/stack";
import { isFinished, type RunView } from "../support/waymark-client";

const RUNS = 20;
const RECOVERY_TIMEOUT_MS = 30_000;
const WORKFLOW = "e2e-audit-crash";

// Transforms and short sleeps: every transition goes through the outbox. The first sleep
// ends about when the process dies, so alarms fire and flushes run while it is killed.
const busyFlow = {
  id: WORKFLOW,
  triggers: [{ type: "api" }],
  steps: [
    { id: "a", type: "transform", expr: "input.n + 1" },
    { id: "nap1", type: "sleep", needs: ["a"], duration: "100ms" },
    { id: "b", type: "transform", needs: ["nap1"], expr: "steps.a.output * 2" },
    // Long enough that no run finishes before the kill, however slowly the 20 starts go.
    { id: "nap2", type: "sleep", needs: ["b"], duration: "3s" },
    { id: "c", type: "transform", needs: ["nap2"], expr: "{'n': steps.b.output}" },
  ],
} satisfies Definition;

interface Entry {
  seq: number;
  action: string;
  target: string;
}

const stack = useStack("audit-crash");
const api = () => stack.current.api;

async function waitForAll(ids: string[], timeoutMs: number): Promise<RunView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await Promise.all(ids.map((id) => api().getRun(id)));
    if (runs.every(isFinished)) return runs;
    if (Date.now() > deadline)
      throw new Error(
        `unfinished after ${timeoutMs} ms: ${runs
          .filter((run) => !isFinished(run))
          .map((run) => `${run.id} ${run.status}`)
          .join(", ")}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function auditWhere(field: "target" | "action", value: string): Promise<Entry[]> {
  const response = await api().request<{ entries: Entry[] }>(
    "GET",
    `/api/audit?${field}=${encodeURIComponent(value)}&limit=1000`,
  );
  expect(response.status).toBe(200);
  return response.body.entries;
}

/** Polls until the run's audit holds its start and an entry for its final status (the outbox flushes in the background). */
async function waitForAudit(run: RunView, timeoutMs: number): Promise<Entry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entries = await auditWhere("target", `run:${run.id}`);
    const actions = entries.map((entry) => entry.action);
    if ((actions.includes("run.started") && actions.includes(`run.${run.status}`)) || Date.now() > deadline)
      return entries;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("a crash while runs write audit entries", () => {
  it("leaves a complete, valid chain: each run's start and end recorded exactly once", async () => {
    await api().putWorkflow(busyFlow);
    const started = await Promise.all(Array.from({ length: RUNS }, (_, n) => api().startRun(WORKFLOW, { n })));
    const ids = started.map((run) => run.id);

    const killedAt = Date.now();
    await stack.current.kill();
    await stack.current.restart();
    const restartedAt = Date.now();
    const runs = await waitForAll(ids, RECOVERY_TIMEOUT_MS);
    const finishedAt = Date.now();
    expect(runs.map((run) => [run.id, run.status])).toEqual(ids.map((id) => [id, "succeeded"]));
    // Each run sleeps 3.1 s, so every one of them was mid-flight when the process died.
    expect(runs.filter((run) => Date.parse(run.finishedAt!) < killedAt)).toEqual([]);

    const perRun = await Promise.all(runs.map((run) => waitForAudit(run, 10_000)));
    const auditedAt = Date.now();
    const verify = await api().request<{ valid: boolean; checked: number; unchained: number; firstBreak?: unknown }>(
      "GET",
      "/api/audit/verify",
    );
    const apiEntries = await auditWhere("action", "POST /api/workflows/:id/runs");
    console.log(
      [
        `audit crash: ${RUNS} runs killed right after starting; ${verify.body.checked} chained entries, ${verify.body.unchained} unchained, valid ${verify.body.valid}`,
        `  run entries: ${perRun.reduce((sum, entries) => sum + entries.length, 0)}; start API calls audited: ${apiEntries.length} of ${RUNS}`,
        `  kill → restarted: ${restartedAt - killedAt} ms; restart → all finished: ${finishedAt - restartedAt} ms; → all audited: ${auditedAt - restartedAt} ms`,
      ].join("\n"),
    );

    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ valid: true, unchained: 0 });
    runs.forEach((run, index) => {
      const actions = perRun[index]!.map((entry) => entry.action);
      expect(
        actions.filter((action) => action === "run.started"),
        `${run.id} run.started`,
      ).toHaveLength(1);
      expect(
        actions.filter((action) => action === "run.succeeded"),
        `${run.id} run.succeeded`,
      ).toHaveLength(1);
    });
  });
});
