// A run's object creates only the tables it uses (issue: performance): every run has
// meta, steps, timers and the outbox; the items of maps, the gates of flow control and
// the duties towards other runs appear with their first write. An object that already
// has every table (created before this change) keeps working, and so does purging either.
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Duties } from "../../src/run/duties";
import { newRunId } from "../../src/run/ids";
import { SqlTables } from "../../src/run/sql-tables";
import { startRun } from "../../src/run/start-run";
import { oneAtATime } from "../fixtures/flow-control/flow-controlled";
import { transformChain } from "../fixtures/workflows-api/transform-chain";
import { paymentWait } from "../fixtures/workflows-api/waits";
import { getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";
import { pollUntil, readRun, runStubFor, startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";

const CORE = ["meta", "outbox", "steps", "timers"];

/** The object's own tables, without SQLite's and the runtime's. */
const tablesOf = (runId: string) =>
  runInDurableObject(runStubFor(runId), (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name",
      )
      .toArray()
      .map((row) => row.name),
  );

describe("a run's object", () => {
  it("has only the four core tables for a plain run, and can still be purged", async () => {
    await saveWorkflow("lazy-plain", transformChain);
    const { runId, stub } = await startRecordedRun("lazy-plain", { n: 1 });
    expect((await readRun(runId)).status).toBe("succeeded");
    expect(await tablesOf(runId)).toEqual(CORE);
    expect(await stub.listItems("double", { after: -1, limit: 10 })).toMatchObject({
      ok: false,
      code: "invalid_state",
    });

    await waitForOutboxFlush(runId);
    expect(await stub.purge()).toEqual({ purged: true });
    expect(await stub.getRun()).toBeNull();
    expect(await tablesOf(runId)).toEqual(CORE);
  });

  it("creates map_items with its first map, and the map works", async () => {
    await saveWorkflow("lazy-map", {
      triggers: [{ type: "api" }],
      steps: [{ id: "square", type: "map", items: "input.numbers", step: { type: "transform", expr: "item * item" } }],
      output: "steps.square.output",
    });
    const { runId, stub } = await startRecordedRun("lazy-map", { numbers: [1, 2, 3] });
    expect(await readRun(runId)).toMatchObject({ status: "succeeded", output: [1, 4, 9] });
    expect(await tablesOf(runId)).toEqual([...CORE, "map_items"].sort());
    const page = await stub.listItems("square", { after: -1, limit: 10 });
    expect(page).toMatchObject({ ok: true, items: [{ index: 0 }, { index: 1 }, { index: 2 }], nextCursor: null });
  });

  it("creates gates for a run under flow control, which releases its gate when it ends", async () => {
    await saveWorkflow("lazy-gated", oneAtATime);
    const first = await startRunThroughApi("lazy-gated", { input: { order: 1 } });
    const second = await startRunThroughApi("lazy-gated", { input: { order: 2 } });
    expect([first.status, second.status]).toEqual(["running", "queued"]);
    // Its http step's task waits in the task ledger until a consumer claims it.
    expect(await tablesOf(first.id)).toEqual([...CORE, "gates", "task_ledger"].sort());

    await runStubFor(first.id).report({ stepId: "ship", attempt: 1, outcome: { ok: true, output: { status: 201 } } });
    expect(
      await pollUntil(
        async () => (await getRun(second.id)).status,
        (status) => status === "running",
      ),
    ).toBe("running");
  });

  it("creates duties for a wait step (its lookback)", async () => {
    const event = `lazy-${crypto.randomUUID().slice(0, 8)}`;
    await saveWorkflow("lazy-wait", paymentWait(event));
    const run = await startRunThroughApi("lazy-wait", { input: { order: "A-1" } });
    expect(run.status).toBe("waiting");
    expect(await tablesOf(run.id)).toEqual([...CORE, "duties"].sort());
  });

  it("keeps working when every table exists already, as in an object created before they were lazy", async () => {
    await saveWorkflow("lazy-old-object", transformChain);
    const runId = newRunId(Date.now());
    const stub = runStubFor(runId);
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(`
        CREATE TABLE IF NOT EXISTS map_items (map TEXT NOT NULL, idx INTEGER NOT NULL, value TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', record TEXT, PRIMARY KEY (map, idx)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS gates (name TEXT PRIMARY KEY, owed INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS duties (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, payload TEXT NOT NULL);
      `);
    });
    await evictDurableObject(stub);

    const started = await startRun(env, {
      workflowId: "lazy-old-object",
      input: { n: 2 },
      trigger: { type: "api" },
      runId,
    });
    expect(started.status).toBe("succeeded");
    await waitForOutboxFlush(runId);
    expect(await stub.purge()).toEqual({ purged: true });
    expect(await tablesOf(runId)).toEqual([...CORE, "duties", "gates", "map_items"].sort());
  });

  it("forgets a table that a rolled-back write created, and creates it again with the next write", async () => {
    await runInDurableObject(runStubFor(newRunId(Date.now())), (_instance, state) => {
      const tables = new SqlTables(state.storage.sql);
      const duties = new Duties(state.storage.sql, tables);
      const rolledBack = () =>
        state.storage.transactionSync(() => {
          duties.owe("readmit", "readmit", {});
          throw new Error("rolled back");
        });
      expect(rolledBack).toThrow("rolled back");
      tables.relearn();
      expect(tables.has("duties")).toBe(false);
      expect(duties.hasAny()).toBe(false);
      duties.owe("readmit", "readmit", {});
      expect(duties.list()).toEqual([{ key: "readmit", kind: "readmit", payload: {} }]);
    });
  });
});
