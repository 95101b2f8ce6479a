// Intake shards (src/intake): the Durable Objects that hold idempotency keys and webhook
// delivery ids, spread by a hash of the key so no one object (and no D1 writer) carries
// every start. A run a shard admits carries the shard in its id, so a reader that finds no
// run yet can ask the one shard that may still be holding its start.
import { stableHash } from "./stable-hash";

/** Enough for ~64,000 claims/s at ~1,000 requests/s per object; changing it re-homes every key. */
export const INTAKE_SHARDS = 64;

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** `run_` + 10 characters of ULID time: the shard is written in the next two (the random part's first). */
const SHARD_AT = 14;

/** The shard of a claim key: stable across isolates and releases. */
export function shardOfKey(key: string): number {
  return stableHash(key) % INTAKE_SHARDS;
}

/** A run id carrying `shard` in the first two characters of its random part (its time part, which orders runs, is untouched). */
export function runIdInShard(runId: string, shard: number): string {
  const encoded = CROCKFORD[shard >> 5]! + CROCKFORD[shard & 31]!;
  return runId.slice(0, SHARD_AT) + encoded + runId.slice(SHARD_AT + 2);
}

/** The shard a run id names (any run id names one; only the runs a shard admitted are held there). */
export function shardOfRunId(runId: string): number {
  const high = CROCKFORD.indexOf(runId[SHARD_AT] ?? "0");
  const low = CROCKFORD.indexOf(runId[SHARD_AT + 1] ?? "0");
  return ((Math.max(high, 0) << 5) | Math.max(low, 0)) % INTAKE_SHARDS;
}
