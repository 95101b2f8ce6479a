// Events (SPEC §4): an event starts every enabled workflow subscribed to its name.
// It is stored for the lookback of `wait` steps; a repeated `key` starts nothing new.
import type { EventTrigger } from "../core/definition/schema";
import { evaluateExpression } from "../core/expr";
import { database } from "../db/client";
import { EVENT_TTL_MS, findEventByKey, findSubscribers, insertEvent, recordStartedRuns } from "../db/events";
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
    if (earlier) return { eventId: earlier.id, started: JSON.parse(earlier.startedRuns) as string[], resumed: [], skipped: [], duplicate: true };
  }
  const eventId = `evt_${newRunId(now).slice(4)}`;
  const row = { id: eventId, name: event.name, key, payload: JSON.stringify(event.payload ?? null), startedRuns: "[]", receivedAt: now, expiresAt: now + EVENT_TTL_MS };
  if (!(await insertEvent(db, row))) return publishEvent(env, event, now);

  const started: string[] = [];
  const skipped: EventOutcome["skipped"] = [];
  for (const subscriber of await findSubscribers(db, event.name)) {
    try {
      const pinned = await resolveWorkflow(env, subscriber.workflowId);
      const trigger = pinned.definition.triggers[subscriber.triggerIndex] as EventTrigger | undefined;
      if (trigger?.type !== "event" || trigger.name !== event.name) continue;
      const scope = { name: event.name, payload: event.payload, key };
      const input = trigger.input === undefined ? event.payload : await evaluateExpression(trigger.input, scope, { now });
      const run = await startRun(env, { workflowId: subscriber.workflowId, input, trigger: { type: "event", name: event.name, eventId, ...(key ? { key } : {}) } }, pinned);
      started.push(run.id);
    } catch (error) {
      if (!(error instanceof AppError) && !(error instanceof Error && "code" in error)) throw error;
      skipped.push({ workflow: subscriber.workflowId, code: (error as { code: string }).code, message: error.message });
    }
  }
  await recordStartedRuns(db, eventId, started);
  return { eventId, started, resumed: [], skipped, duplicate: false };
}
