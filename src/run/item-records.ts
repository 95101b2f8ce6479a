// How a finished map item is stored (map_items.record): its step state without what the row
// already says or can be told from it — the map and index (the row's key), the id (always
// `<map>[<index>]`), the end as a duration from the start, and, for the usual item of one
// plain attempt, the attempt itself (its number, status and times are the item's). Lossless:
// unpack(pack(record)) equals record. A 100,000-item map pays for every byte here 100,000 times.
import type { MapItemRecord } from "../core/engine/item-store";
import type { Attempt } from "../core/engine/run-state";

/** Keys an attempt may have and still be told from its item alone. */
const PLAIN_ATTEMPT_KEYS = new Set(["n", "status", "startedAt", "finishedAt", "runAttempt", "mapRound"]);

type Packed = Omit<MapItemRecord, "map" | "index" | "id" | "attempts" | "finishedAt"> & {
  id?: string;
  attempts?: Attempt[];
  finishedAt?: number;
  /** The end, in milliseconds after `startedAt`. */
  d?: number;
  /** One plain attempt (see isPlainAttempt): its run attempt and map round, 0 for none. */
  a1?: [number, number];
};

export function packItemRecord(record: MapItemRecord): string {
  const { map, index, id, attempts, finishedAt, ...rest } = record;
  const packed: Packed = rest;
  if (id !== itemId(map, index)) packed.id = id;
  if (finishedAt !== undefined) {
    if (record.startedAt === undefined) packed.finishedAt = finishedAt;
    else packed.d = finishedAt - record.startedAt;
  }
  const [only] = attempts;
  if (attempts.length === 1 && isPlainAttempt(only!, record)) packed.a1 = [only!.runAttempt ?? 0, only!.mapRound ?? 0];
  else packed.attempts = attempts;
  return JSON.stringify(packed);
}

export function unpackItemRecord(map: string, index: number, text: string): MapItemRecord {
  const { id, attempts, a1, d, ...rest } = JSON.parse(text) as Packed;
  const record = { ...rest, id: id ?? itemId(map, index), map, index } as MapItemRecord;
  if (d !== undefined) record.finishedAt = record.startedAt! + d;
  if (a1 === undefined) return { ...record, attempts: attempts ?? [] };
  const attempt: Attempt = { n: 1, status: record.status as Attempt["status"], startedAt: record.startedAt! };
  if (record.finishedAt !== undefined) attempt.finishedAt = record.finishedAt;
  if (a1[0] !== 0) attempt.runAttempt = a1[0];
  if (a1[1] !== 0) attempt.mapRound = a1[1];
  return { ...record, attempts: [attempt] };
}

const itemId = (map: string, index: number) => `${map}[${index}]`;

/** The item's first and only attempt, with nothing the item does not say itself. */
function isPlainAttempt(attempt: Attempt, record: MapItemRecord): boolean {
  return (
    attempt.n === 1 &&
    Object.keys(attempt).every((key) => PLAIN_ATTEMPT_KEYS.has(key)) &&
    (attempt.status as string) === record.status &&
    record.startedAt !== undefined &&
    attempt.startedAt === record.startedAt &&
    attempt.finishedAt === record.finishedAt &&
    attempt.runAttempt !== 0 &&
    attempt.mapRound !== 0
  );
}
