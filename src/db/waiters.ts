// Waiting `wait` steps by event name: an event looks its waiters up here instead of
// asking every run. Rows follow each wait through its run's outbox.
import { and, asc, eq, gt, gte, or } from "drizzle-orm";
import type { Database } from "./client";
import { events, waiters } from "./schema";

export type WaiterRow = typeof waiters.$inferSelect;

export function addWaiter(db: Database, row: WaiterRow) {
  const { runId: _runId, stepId: _stepId, ...changes } = row;
  return db
    .insert(waiters)
    .values(row)
    .onConflictDoUpdate({ target: [waiters.runId, waiters.stepId], set: changes });
}

/** A remove for an older attempt leaves a newer attempt's waiter in place. */
export function removeWaiter(db: Database, key: { runId: string; stepId: string; attempt: number }) {
  return db
    .delete(waiters)
    .where(and(eq(waiters.runId, key.runId), eq(waiters.stepId, key.stepId), eq(waiters.attempt, key.attempt)));
}

export async function findWaiters(db: Database, eventName: string): Promise<WaiterRow[]> {
  return db.select().from(waiters).where(eq(waiters.eventName, eventName)).all();
}

/** Where a page of events ends: the next page starts after it. */
export interface EventCursor {
  receivedAt: number;
  id: string;
}

/** A page of the events a wait that began after them may still match (its lookback), oldest first. */
export async function findEventsSince(
  db: Database,
  eventName: string,
  since: number,
  limit: number,
  after?: EventCursor,
) {
  const from = after
    ? or(gt(events.receivedAt, after.receivedAt), and(eq(events.receivedAt, after.receivedAt), gt(events.id, after.id)))
    : gte(events.receivedAt, since);
  return db
    .select()
    .from(events)
    .where(and(eq(events.name, eventName), from))
    .orderBy(asc(events.receivedAt), asc(events.id))
    .limit(limit)
    .all();
}
