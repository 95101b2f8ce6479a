// Events: the subscriptions of enabled workflows by event name, and the events
// received (kept for `wait` lookback and deduplicated by key).
import { and, asc, eq, gte, isNull, lt } from "drizzle-orm";
import type { EventTrigger, Trigger } from "../core/definition/schema";
import type { ReceivedEvent } from "../core/engine/events";
import type { Database } from "./client";
import { events, eventSubscriptions, workflows } from "./schema";

export type EventRow = typeof events.$inferSelect;

/** A stored event as a `wait` step's `match` sees it. */
export function receivedEvent(row: Pick<EventRow, "id" | "name" | "payload" | "key" | "receivedAt">): ReceivedEvent {
  return {
    id: row.id,
    name: row.name,
    payload: JSON.parse(row.payload) as unknown,
    key: row.key,
    receivedAt: row.receivedAt,
  };
}
export const EVENT_TTL_MS = 24 * 60 * 60 * 1000;

/** Replaces a workflow's subscriptions with those of its current definition. */
export async function syncEventSubscriptions(db: Database, workflowId: string, triggers: Trigger[]): Promise<void> {
  const rows = triggers.flatMap((trigger, triggerIndex) =>
    trigger.type === "event" ? [{ workflowId, triggerIndex, eventName: (trigger as EventTrigger).name }] : [],
  );
  const remove = db.delete(eventSubscriptions).where(eq(eventSubscriptions.workflowId, workflowId));
  if (rows.length === 0) await remove;
  else await db.batch([remove, db.insert(eventSubscriptions).values(rows)]);
}

/** Enabled, unarchived workflows subscribed to an event name, with the trigger index. */
export async function findSubscribers(
  db: Database,
  eventName: string,
): Promise<{ workflowId: string; triggerIndex: number }[]> {
  return db
    .select({ workflowId: eventSubscriptions.workflowId, triggerIndex: eventSubscriptions.triggerIndex })
    .from(eventSubscriptions)
    .innerJoin(workflows, eq(workflows.id, eventSubscriptions.workflowId))
    .where(and(eq(eventSubscriptions.eventName, eventName), eq(workflows.enabled, true), isNull(workflows.archivedAt)))
    .orderBy(eventSubscriptions.workflowId, eventSubscriptions.triggerIndex)
    .all();
}

export async function findEventByKey(
  db: Database,
  name: string,
  key: string,
  now: number,
): Promise<EventRow | undefined> {
  return db
    .select()
    .from(events)
    .where(and(eq(events.name, name), eq(events.key, key), gte(events.expiresAt, now)))
    .get();
}

/** Records an event; false when an unexpired event with the same name and key exists. */
export async function insertEvent(db: Database, row: EventRow): Promise<boolean> {
  if (row.key !== null)
    await db
      .delete(events)
      .where(and(eq(events.name, row.name), eq(events.key, row.key), lt(events.expiresAt, row.receivedAt)));
  const inserted = await db.insert(events).values(row).onConflictDoNothing().returning({ id: events.id }).get();
  return inserted !== undefined;
}

/** The event's fan-out is done: every subscriber's run started, every waiter told. */
export async function markFannedOut(db: Database, id: string, runIds: string[], now: number): Promise<void> {
  await db
    .update(events)
    .set({ startedRuns: JSON.stringify(runIds), fannedOutAt: now })
    .where(eq(events.id, id));
}

/** Unexpired events received before `before` whose fan-out no one finished, oldest first. */
export async function findUnfinishedEvents(
  db: Database,
  before: number,
  now: number,
  limit: number,
): Promise<EventRow[]> {
  return db
    .select()
    .from(events)
    .where(and(isNull(events.fannedOutAt), lt(events.receivedAt, before), gte(events.expiresAt, now)))
    .orderBy(asc(events.receivedAt))
    .limit(limit)
    .all();
}

export async function pruneEvents(db: Database, now: number): Promise<void> {
  await db.delete(events).where(lt(events.expiresAt, now));
}
