// Events: an event starts every enabled workflow subscribed to its name and
// resumes the waits it matches. It is stored first (for the lookback of `wait` steps, and as
// the record of work to finish); a repeated `key` reaches the same event, whose fan-out is
// finished if a first request left it undone, and started again never.
import { database, type Database } from "../db/client";
import { EVENT_TTL_MS, findEventByKey, findUnfinishedEvents, insertEvent, type EventRow } from "../db/events";
import { deterministicRunId, newRunId } from "../run/ids";
import { fanOutEvent, type FanOut } from "./event-fan-out";

export interface PublishedEvent {
  name: string;
  payload?: unknown;
  key?: string;
}

export interface EventOutcome extends FanOut {
  eventId: string;
  duplicate: boolean;
}

/** How long a request has to finish its own fan-out before the watchdog takes over. */
const FAN_OUT_GRACE_MS = 60_000;
/** Unfinished events one watchdog pass carries out at most (each costs a call per run and waiter). */
const UNFINISHED_PER_PASS = 20;

export async function publishEvent(env: Env, event: PublishedEvent, now: number): Promise<EventOutcome> {
  const { row, fresh } = await claimEvent(database(env.DB), event, now);
  const duplicate = !fresh;
  if (row.fannedOutAt !== null)
    return { eventId: row.id, started: JSON.parse(row.startedRuns) as string[], resumed: [], skipped: [], duplicate };
  return { eventId: row.id, ...(await fanOutEvent(env, row, now, duplicate)), duplicate };
}

/**
 * Finishes the fan-out of events no request finished (its client gave up or had no key to
 * retry with, or the Worker died): the same runs, the same waits, once each.
 */
export async function finishUnfinishedEvents(env: Env, now: number): Promise<number> {
  const rows = await findUnfinishedEvents(database(env.DB), now - FAN_OUT_GRACE_MS, now, UNFINISHED_PER_PASS);
  for (const row of rows) {
    try {
      await fanOutEvent(env, row, now, true);
    } catch (error) {
      // Still unfinished in D1: the next pass tries again.
      console.error(`event ${row.id}: its fan-out is still unfinished; the next pass retries it`, error);
    }
  }
  return rows.length;
}

/** The stored event: new (`fresh`), or the unexpired one with the same name and key. */
async function claimEvent(
  db: Database,
  event: PublishedEvent,
  now: number,
): Promise<{ row: EventRow; fresh: boolean }> {
  const key = event.key ?? null;
  if (key !== null) {
    const earlier = await findEventByKey(db, event.name, key, now);
    if (earlier) return { row: earlier, fresh: false };
  }
  const row: EventRow = {
    id: await eventId(event.name, key, now),
    name: event.name,
    key,
    payload: JSON.stringify(event.payload ?? null),
    startedRuns: "[]",
    receivedAt: now,
    expiresAt: now + EVENT_TTL_MS,
    fannedOutAt: null,
  };
  if (await insertEvent(db, row)) return { row, fresh: true };
  // A request with the same key stored it first: this one reaches that event.
  return claimEvent(db, event, now);
}

/**
 * `evt_` + a ULID of the receipt time; with a key, its random part is derived from (name,
 * key). A retry finds the stored row by (name, key) and keeps its id and receipt time (which
 * date the event's runs); the time part keeps a later event with the same key, after the
 * 24 h window, distinct.
 */
async function eventId(name: string, key: string | null, now: number): Promise<string> {
  const ulid = key === null ? newRunId(now) : await deterministicRunId(now, `event:${name}\n${key}`);
  return `evt_${ulid.slice("run_".length)}`;
}
