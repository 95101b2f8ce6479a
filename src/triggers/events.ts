// Events (SPEC §4): an event starts every enabled workflow subscribed to its name.
// It is stored for the lookback of `wait` steps; a repeated `key` starts nothing new.
import type { EventTrigger } from "../core/definition/schema";
import { NonRetryableError } from "../core/errors";
import { evaluateExpression } from "../core/expr";
import { database } from "../db/client";
import { EVENT_TTL_MS, findEventByKey, findSubscribers, insertEvent, recordStartedRuns } from "../db/events";
import { findWaiters } from "../db/waiters";
import type { ReceivedEvent } from "../core/engine/types";
import { runStub } from "../run/client";
import { AppError } from "../api/problem";
import { newRunId } from "../run/ids";
import { resolveWorkflow, startRun } from "./start-run";

export interface PublishedEvent {
  name: string;
  payload?: unknown;
  key?: string;
}

export interface EventOutcome {
  eventId: string;
  started: string[];
  resumed: string[];
  /** Subscribed workflows that started nothing, and why (disabled, input rejected, …). */
  skipped: { workflow: string; code: string; message: string }[];
  duplicate: boolean;
}

export async function publishEvent(env: Env, event: PublishedEvent, now: number): Promise<EventOutcome> {
  const db = database(env.DB);
  const key = event.key ?? null;
  if (key !== null) {
    const earlier = await findEventByKey(db, event.name, key, now);
    if (earlier)
      return {
        eventId: earlier.id,
        started: JSON.parse(earlier.startedRuns) as string[],
        resumed: [],
        skipped: [],
        duplicate: true,
      };
  }
  const eventId = `evt_${newRunId(now).slice(4)}`;
  const row = {
    id: eventId,
    name: event.name,
    key,
    payload: JSON.stringify(event.payload ?? null),
    startedRuns: "[]",
    receivedAt: now,
    expiresAt: now + EVENT_TTL_MS,
  };
  if (!(await insertEvent(db, row))) return publishEvent(env, event, now);

  const started: string[] = [];
  const skipped: EventOutcome["skipped"] = [];
  for (const subscriber of await findSubscribers(db, event.name)) {
    try {
      const pinned = await resolveWorkflow(env, subscriber.workflowId);
      const trigger = pinned.definition.triggers[subscriber.triggerIndex] as EventTrigger | undefined;
      if (trigger?.type !== "event" || trigger.name !== event.name) continue;
      const scope = { name: event.name, payload: event.payload, key };
      const input =
        trigger.input === undefined ? event.payload : await evaluateExpression(trigger.input, scope, { now });
      const run = await startRun(
        env,
        {
          workflowId: subscriber.workflowId,
          input,
          trigger: { type: "event", name: event.name, eventId, ...(key ? { key } : {}) },
        },
        pinned,
      );
      started.push(run.id);
    } catch (error) {
      // A refusal (disabled, input rejected, mapping failed) skips this subscriber; anything else is a fault.
      if (!(error instanceof AppError) && !(error instanceof NonRetryableError)) throw error;
      skipped.push({ workflow: subscriber.workflowId, code: error.code, message: error.message });
    }
  }
  await recordStartedRuns(db, eventId, started);
  const resumed = await resumeWaiters(env, {
    id: eventId,
    name: event.name,
    payload: event.payload ?? null,
    key,
    receivedAt: now,
  });
  return { eventId, started, resumed, skipped, duplicate: false };
}

/**
 * Offers the event to every `wait` step waiting for its name; each run's engine decides
 * with `match`. The event is stored first, so a wait whose waiter row lands after this
 * lookup finds the event through its lookback instead (src/run/duty-work.ts).
 */
async function resumeWaiters(env: Env, event: ReceivedEvent): Promise<string[]> {
  const waiters = await findWaiters(database(env.DB), event.name);
  const outcomes = await Promise.all(
    waiters.map(async (waiter) => {
      try {
        const { resumed } = await runStub(env, waiter.runId).deliverEvent({
          stepId: waiter.stepId,
          attempt: waiter.attempt,
          event,
        });
        return resumed ? waiter.runId : undefined;
      } catch (error) {
        console.error(`event ${event.id} could not reach run ${waiter.runId}`, error);
        return undefined;
      }
    }),
  );
  return [...new Set(outcomes.filter((runId): runId is string => runId !== undefined))];
}
