// Carrying out a stored event: a run for each subscribed workflow, and the event offered to
// each waiting `wait` step. Every part may be done again: a run's id is derived from the
// event and its object creates it once, a wait takes an event once. So a request that died
// half-way is finished by its retry (same key) or by the watchdog, and the event row
// records when all of it is done.
import type { EventTrigger } from "../core/definition/schema";
import type { ReceivedEvent } from "../core/engine/events";
import { NonRetryableError } from "../core/errors";
import { evaluateExpression } from "../core/expr";
import { database } from "../db/client";
import { findSubscribers, markFannedOut, receivedEvent, type EventRow } from "../db/events";
import { findWaiters } from "../db/waiters";
import { AppError } from "../core/problem";
import { runStub } from "../durable/run-stub";
import { deterministicRunId } from "../run/ids";
import { resolveWorkflow, startRun } from "../run/start-run";

export interface FanOut {
  started: string[];
  resumed: string[];
  /** Subscribed workflows that started nothing, and why (disabled, input rejected, …). */
  skipped: { workflow: string; code: string; message: string }[];
}

type Subscriber = { workflowId: string; triggerIndex: number };
type StartOutcome = { started: string } | { skipped: FanOut["skipped"][number] } | undefined;

/**
 * Starts the event's runs and tells its waiters, then marks the event done. Anything that
 * could not be reached leaves the event not done and fails with 503: the caller's retry
 * with the same key, or the watchdog (finishUnfinishedEvents), does it all again, which
 * reaches the same runs and waits. `again`: an earlier pass may have started runs already.
 */
export async function fanOutEvent(env: Env, row: EventRow, now: number, again: boolean): Promise<FanOut> {
  const db = database(env.DB);
  const event = receivedEvent(row);
  const subscribers = await findSubscribers(db, row.name);
  const [starts, waiters] = await Promise.all([
    Promise.allSettled(subscribers.map((subscriber) => startSubscriber(env, event, subscriber, again))),
    offerToWaiters(env, event),
  ]);
  const faults = [...starts.flatMap((start) => (start.status === "rejected" ? [start.reason] : [])), ...waiters.faults];
  if (faults.length > 0) {
    for (const fault of faults) console.error(`event ${row.id}: a run or waiter could not be reached`, fault);
    throw new AppError(
      "unavailable",
      `event ${row.id} is stored, but ${faults.length} of its runs or waiters could not be reached yet; ` +
        "a retry with the same key finishes it (and the server does within minutes)",
      { retryAfter: 1 },
    );
  }
  const outcomes = starts.map((start) => (start as PromiseFulfilledResult<StartOutcome>).value);
  const started = outcomes.flatMap((outcome) => (outcome && "started" in outcome ? [outcome.started] : []));
  const skipped = outcomes.flatMap((outcome) => (outcome && "skipped" in outcome ? [outcome.skipped] : []));
  await markFannedOut(db, row.id, started, now);
  return { started, resumed: waiters.resumed, skipped };
}

/**
 * The id of the run an event starts in a subscribed workflow: the same on every pass, and
 * sortable by the event's receipt like any run id.
 */
function eventRunId(event: ReceivedEvent, subscriber: Subscriber): Promise<string> {
  return deterministicRunId(event.receivedAt, `event:${event.id}:${subscriber.workflowId}:${subscriber.triggerIndex}`);
}

async function startSubscriber(
  env: Env,
  event: ReceivedEvent,
  subscriber: Subscriber,
  again: boolean,
): Promise<StartOutcome> {
  const runId = await eventRunId(event, subscriber);
  try {
    const pinned = await resolveWorkflow(env, subscriber.workflowId);
    const trigger = pinned.definition.triggers[subscriber.triggerIndex] as EventTrigger | undefined;
    if (trigger?.type !== "event" || trigger.name !== event.name) return undefined;
    // Mapped as of the event's receipt, so every pass computes the same input.
    const scope = { name: event.name, payload: event.payload, key: event.key };
    const input =
      trigger.input === undefined
        ? event.payload
        : await evaluateExpression(trigger.input, scope, { now: event.receivedAt });
    const eventTrigger = {
      type: "event",
      name: event.name,
      eventId: event.id,
      ...(event.key ? { key: event.key } : {}),
    };
    const request = {
      workflowId: subscriber.workflowId,
      input,
      trigger: eventTrigger,
      runId,
      acceptedAt: event.receivedAt,
    };
    return { started: (await startRun(env, request, pinned)).id };
  } catch (error) {
    // A refusal (disabled, input rejected, mapping failed) skips this subscriber; anything else is a fault.
    if (!(error instanceof AppError) && !(error instanceof NonRetryableError)) throw error;
    // A workflow disabled since an earlier pass started its run: the run still counts.
    if (again && (await runStub(env, runId).getRun())) return { started: runId };
    return { skipped: { workflow: subscriber.workflowId, code: error.code, message: error.message } };
  }
}

/**
 * Offers the event to every `wait` step waiting for its name; each run's engine decides
 * with `match`. The event is stored first, so a wait whose waiter row lands after this
 * lookup finds the event through its lookback instead (src/run/duty-work.ts). A run that
 * cannot be reached is a fault, never skipped: its wait would miss the event for good.
 */
async function offerToWaiters(env: Env, event: ReceivedEvent): Promise<{ resumed: string[]; faults: unknown[] }> {
  const waiters = await findWaiters(database(env.DB), event.name);
  const outcomes = await Promise.allSettled(
    waiters.map(async (waiter) => {
      const { resumed } = await runStub(env, waiter.runId).deliverEvent({
        stepId: waiter.stepId,
        attempt: waiter.attempt,
        event,
      });
      return resumed ? waiter.runId : undefined;
    }),
  );
  const resumed = outcomes.flatMap((outcome) =>
    outcome.status === "fulfilled" && outcome.value !== undefined ? [outcome.value] : [],
  );
  const faults = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason] : []));
  return { resumed: [...new Set(resumed)], faults };
}
