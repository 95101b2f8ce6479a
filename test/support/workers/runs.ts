// Reaching a run's Durable Object from a test: start a run whose queue dispatches are
// recorded, and look at what the run persisted (its alarm, its timers, its outbox).
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { call, expectJson } from "./api";
import type { RunView } from "../../../src/core/engine/run-view";
import { intakeOfRun } from "../../../src/durable/intake-stub";
import { indexWriterOfRun } from "../../../src/durable/index-writer-stub";
import { newRunId } from "../../../src/run/ids";
import type { TaskMessage } from "../../../src/tasks/task-message";
import { startRun } from "../../../src/run/start-run";

export function runStubFor(runId: string) {
  return env.RUNS.get(env.RUNS.idFromName(runId));
}

/**
 * Records every task the run's object sends to the queue from now on. The tasks still go
 * out (to a queue nobody consumes in these tests, see vitest.config.ts); the record is
 * what a test hands the consumer, so it executes exactly what the run dispatched.
 * The hook lives on the object's bindings: an eviction drops it.
 */
async function recordDispatches(runId: string): Promise<TaskMessage[]> {
  const sent: TaskMessage[] = [];
  await runInDurableObject(runStubFor(runId), (instance) => {
    const tasks = (instance as unknown as { env: Env }).env.TASKS;
    const send = tasks.sendBatch.bind(tasks);
    // The isolate's bindings are shared by every object in it: keep this run's tasks only
    // (other runs send theirs again until claimed, see src/run/task-ledger.ts).
    tasks.sendBatch = async (messages, options) => {
      for (const message of messages)
        if ((message.body as TaskMessage).runId === runId) sent.push(message.body as TaskMessage);
      return send(messages, options);
    };
  });
  return sent;
}

export interface RecordedRun {
  runId: string;
  /** The run as `start` answered. */
  started: RunView;
  /** Every task the run dispatched so far, in order. */
  dispatched: TaskMessage[];
  stub: ReturnType<typeof runStubFor>;
}

/** Starts a run of a saved workflow the way every trigger does, recording its dispatches. */
export async function startRecordedRun(workflowId: string, input: unknown = {}): Promise<RecordedRun> {
  const runId = newRunId(Date.now());
  const dispatched = await recordDispatches(runId);
  const started = await startRun(env, { workflowId, input, trigger: { type: "api" }, runId });
  return { runId, started, dispatched, stub: runStubFor(runId) };
}

export async function readRun(runId: string): Promise<RunView> {
  const run = await runStubFor(runId).getRun();
  if (!run) throw new Error(`run ${runId} does not exist`);
  return run;
}

export function readAlarm(runId: string): Promise<number | null> {
  return runInDurableObject(runStubFor(runId), (_instance, state) => state.storage.getAlarm());
}

/** The persisted timers, as `key → at` (keys are `<kind>:<stepId|run>`). */
export function readTimers(runId: string): Promise<Record<string, number>> {
  return runInDurableObject(runStubFor(runId), (_instance, state) => {
    const rows = state.storage.sql.exec<{ key: string; at: number }>("SELECT key, at FROM timers").toArray();
    return Object.fromEntries(rows.map((row) => [row.key, row.at]));
  });
}

/**
 * Polls `read` until `accept` holds, then returns the value; fails after `timeoutMs`.
 * Not vi.waitFor: that advances faked timers, and the clock must stay where the test put it.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 2_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (performance.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function countOutbox(runId: string): Promise<number> {
  return runInDurableObject(
    runStubFor(runId),
    (_instance, state) => state.storage.sql.exec("SELECT seq FROM outbox").toArray().length,
  );
}

/**
 * Waits until the run has flushed its outbox (the object does it in the background), then has
 * its index writer commit what it keeps: the run's rows are in D1.
 */
export async function waitForOutboxFlush(runId: string): Promise<void> {
  expect(
    await pollUntil(
      () => countOutbox(runId),
      (pending) => pending === 0,
    ),
  ).toBe(0);
  await indexWriterOfRun(env, runId).drain();
}

/**
 * A webhook answers once its intake shard holds the run's start; the run is created right
 * behind, to start from its alarm. Makes sure it is created, fires that alarm (if the runtime
 * has not already) and returns the run.
 */
export async function runStartedByWebhook(runId: string): Promise<RunView> {
  await intakeOfRun(env, runId).handOverRun(runId);
  await runDurableObjectAlarm(runStubFor(runId));
  return readRun(runId);
}

/**
 * The ids of the workflow's listed runs, once each of `settled` exists and has flushed its
 * outbox: the index trails a webhook's answer (its run's outbox lists it).
 */
export async function listedRunIds(workflowId: string, ...settled: string[]): Promise<string[]> {
  for (const runId of settled) {
    await intakeOfRun(env, runId).handOverRun(runId);
    await waitForOutboxFlush(runId);
  }
  const listed = await expectJson<{ runs: { id: string }[] }>(
    await call("GET", `/api/runs?workflow=${workflowId}`),
    200,
  );
  return listed.runs.map((run) => run.id);
}
