// Performing the duties a run owes (duties.ts). Each one is idempotent: a child run's id
// is deterministic, cancelling a finished run changes nothing, a parent ignores a report
// for a child it no longer waits for. A duty that fails stays owed; the alarm retries it.
import { isRunFinished } from "../core/engine";
import type { RunState } from "../core/engine/run-state";
import type { Definition } from "../core/definition/schema";
import { planGates } from "../core/flow-control";
import { database } from "../db/client";
import { gateStub } from "../durable/gate-stub";
import { findEventsSince, type EventCursor } from "../db/waiters";
import { receivedEvent } from "../db/events";
import { startRun } from "./start-run";
import type { ChildReport } from "../durable/run-commands";
import { runStub, type RunRpc } from "../durable/run-stub";
import type { Duty, LookbackDuty, NotifyParentDuty, StartChildDuty } from "./duties";

/** How many stored events one read of a lookback brings (payloads are up to 1 MiB each). */
const LOOKBACK_PAGE = 50;
/** Start failures that another try cannot fix: the step fails instead. */
const PERMANENT_START_FAILURES = new Set(["not_found", "workflow_disabled", "validation_failed"]);

/** What a duty needs of its run; it calls back into the run through its RPC methods, which take its lock. */
export interface DutyContext extends Pick<RunRpc, "deliverEvent" | "childFinished"> {
  env: Env;
  state: RunState;
  definition: Definition;
  /** Tells the gates the run's earlier end; true once none is owed any more. */
  releaseGates(): Promise<boolean>;
  /** True once every outbox row (so every waiter row) has reached D1. */
  outboxFlushed(): boolean;
}

/** Performs one duty; true when it is done (settle it), false to retry later. */
export async function performDuty(duty: Duty, context: DutyContext): Promise<boolean> {
  try {
    switch (duty.kind) {
      case "lookback":
        return await lookBack(duty.payload as LookbackDuty, context);
      case "start_child":
        return await startChild(duty.payload as StartChildDuty, context);
      case "cancel_child":
        await runStub(context.env, (duty.payload as { childRunId: string }).childRunId).cancel(
          "its parent run's step stopped waiting for it",
        );
        return true;
      case "notify_parent":
        return await notifyParent(duty.payload as NotifyParentDuty, context);
      case "readmit":
        return await readmit(context);
    }
  } catch (error) {
    console.error(`run ${context.state.id}: ${duty.kind} failed; the alarm retries it`, error);
    return false;
  }
}

/**
 * The waiter row is in D1 by now, so any later event finds it; events stored before it
 * (up to the lookback) are offered here, oldest first and a page at a time, until one ends
 * the wait: every event in the window counts, however many came first (`match` is the
 * engine's to decide, so it cannot narrow the query).
 */
async function lookBack(duty: LookbackDuty, context: DutyContext): Promise<boolean> {
  if (!context.outboxFlushed()) return false;
  const db = database(context.env.DB);
  let after: EventCursor | undefined;
  for (;;) {
    const rows = await findEventsSince(db, duty.event, duty.since, LOOKBACK_PAGE, after);
    for (const row of rows) {
      const event = receivedEvent(row);
      const outcome = await context.deliverEvent({ stepId: duty.stepId, attempt: duty.attempt, event });
      if (!outcome.waiting) return true;
    }
    if (rows.length < LOOKBACK_PAGE) return true;
    const last = rows.at(-1)!;
    after = { receivedAt: last.receivedAt, id: last.id };
  }
}

/**
 * Creates the child, unless the step stopped waiting for it (the parent was cancelled or
 * timed out before this duty ran): its `cancel_child` duty may already have found no
 * child to cancel, so a child created now would be an orphan. Duties run one at a time in
 * the order owed, so a cancel arriving while the child is being created is performed
 * after this duty and reaches it.
 */
async function startChild(duty: StartChildDuty, context: DutyContext): Promise<boolean> {
  const parent = context.state;
  if (!isWaitingForChild(parent, duty)) return true;
  const trigger = { type: "workflow", parentRunId: parent.id, parentStepId: duty.stepId, depth: duty.depth };
  try {
    await startRun(context.env, {
      workflowId: duty.workflow,
      version: duty.version,
      input: duty.input,
      trigger,
      runId: duty.childRunId,
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "string" || !PERMANENT_START_FAILURES.has(code)) throw error;
    const message = `child run of ${duty.workflow} could not start: ${(error as Error).message}`;
    await context.childFinished({
      stepId: duty.stepId,
      childRunId: duty.childRunId,
      status: "failed",
      error: { code: "child_not_started", message, retryable: false },
    });
  }
  return true;
}

function isWaitingForChild(parent: RunState, duty: StartChildDuty): boolean {
  const step = parent.steps[duty.stepId];
  return !isRunFinished(parent) && step?.status === "waiting" && step.childRunId === duty.childRunId;
}

async function notifyParent(duty: NotifyParentDuty, context: DutyContext): Promise<boolean> {
  const child = context.state;
  const report: ChildReport = {
    stepId: duty.parentStepId,
    childRunId: child.id,
    status: child.status,
    output: child.output ?? null,
    error: child.error ?? null,
  };
  await runStub(context.env, duty.parentRunId).childFinished(report);
  return true;
}

/**
 * A redriven run under flow control waits queued until its gates start it again, as a new
 * run would. Its earlier end must have reached them first (a gate ignores a run it still
 * holds); the first gate then queues it or starts it (calling back into this run).
 */
async function readmit(context: DutyContext): Promise<boolean> {
  if (context.state.status !== "queued") return true;
  if (!(await context.releaseGates())) return false;
  const [first, ...next] = await planGates(context.definition, context.state.input, Date.now());
  if (!first) return true;
  await gateStub(context.env, first.name).admit({
    runId: context.state.id,
    policy: first.policy,
    next,
    skipDebounce: true,
  });
  return true;
}
