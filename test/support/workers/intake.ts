// The intake shards' claims (src/intake), seen and set from a test: what a request that died
// at a given point leaves in its shard, and the shard's alarm fired by hand.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { shardOfKey } from "../../../src/core/intake-shards";

export type ClaimSnapshot = {
  run_id: string;
  state: string;
  start: string | null;
};

function shardOf(key: string): DurableObjectStub {
  return env.INTAKE.get(env.INTAKE.idFromName(`intake:${shardOfKey(key)}`));
}

/** The claim on `key` (`hook:<workflow>:<deliveryId>`, `idem:<workflow>:<key>`), if any. */
export function claimOn(key: string): Promise<ClaimSnapshot | undefined> {
  return runInDurableObject(
    shardOf(key),
    async (_shard, state) =>
      state.storage.sql.exec<ClaimSnapshot>("SELECT run_id, state, start FROM claims WHERE key = ?", key).toArray()[0],
  );
}

/** Runs one statement in `key`'s shard (a state a crash can leave). */
export function inShardOf(key: string, statement: string, ...bindings: unknown[]): Promise<void> {
  return runInDurableObject(shardOf(key), async (_shard, state) => void state.storage.sql.exec(statement, ...bindings));
}

/** What a crash right after an admit leaves: `start` held under `key`, its run not created, the shard's alarm set. */
export function holdStart(key: string, start: { runId: string; createdAt: number }): Promise<void> {
  return runInDurableObject(shardOf(key), async (_shard, state) => {
    state.storage.sql.exec(
      "INSERT INTO claims (key, run_id, state, request_hash, start, created_at, expires_at) VALUES (?, ?, 'pending', NULL, ?, ?, ?)",
      key,
      start.runId,
      JSON.stringify(start),
      start.createdAt,
      start.createdAt + 86_400_000,
    );
    await state.storage.setAlarm(Date.now() + 5_000);
  });
}

/** Fires the alarm of `key`'s shard (false when none was set). */
export function fireShardAlarm(key: string): Promise<boolean> {
  return runDurableObjectAlarm(shardOf(key));
}
