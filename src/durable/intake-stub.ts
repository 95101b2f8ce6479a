// How the edge reaches the intake shards (src/intake/intake-shard.ts): idempotency keys and
// webhook delivery ids are claimed in the shard their key hashes to (core/intake-shards.ts),
// a strongly consistent write with no D1 round trip. IntakeShard implements this interface.
import { shardOfKey, shardOfRunId } from "../core/intake-shards";
import type { StartCommand } from "./run-commands";

/** A run to create behind the answer, once its key is claimed; the shard adds the run id and time. */
export type PendingStart = Omit<StartCommand, "runId" | "createdAt">;

export interface AdmitRequest {
  /** `hook:<workflowId>:<deliveryId>`: what a redelivery repeats. */
  key: string;
  start: PendingStart;
}

/** The run the key names: this request's (`duplicate: false`), or the first request's. */
export interface Admission {
  runId: string;
  duplicate: boolean;
}

export interface ClaimRequest {
  /** `idem:<workflowId>:<Idempotency-Key>` or `hook:<workflowId>:<deliveryId>` */
  key: string;
  /** What a repeat must match (an Idempotency-Key's request body); absent for delivery ids. */
  requestHash?: string;
}

/**
 * A key's claim. `held: false` when this request claimed it (for `runId`). Otherwise the first
 * request's: `in_flight` while that request may still be at work, `done` once its run exists,
 * `abandoned` when it failed after claiming (the next request finishes the same run).
 */
export type Claim =
  | { held: false; runId: string; createdAt: number }
  | {
      held: true;
      runId: string;
      createdAt: number;
      state: "in_flight" | "done" | "abandoned";
      requestHash: string | null;
    };

export interface IntakeRpc {
  /**
   * Claims a webhook delivery id for a new run and keeps the run's start until the run exists:
   * the answer waits for this one write, the run is created right behind it (and by the
   * shard's alarm after a crash). A redelivery gets the first delivery's run.
   */
  admit(request: AdmitRequest): Promise<Admission>;
  /** Claims a key for a run the caller starts itself (Idempotency-Key, a delivery under flow control). */
  claim(request: ClaimRequest): Promise<Claim>;
  /** The claimed run exists: `runId` is the run the key answers from now on (a debounced start joins another). */
  settle(key: string, runId: string): Promise<void>;
  /** The claiming request failed after its run may have been created: the next request finishes it at once. */
  abandon(key: string): Promise<void>;
  /** The claiming request was refused before any run existed (a 4xx): the key is free again. */
  release(key: string): Promise<void>;
  /** Creates the run now if this shard still holds its start; false when it holds none. */
  handOverRun(runId: string): Promise<boolean>;
}

function shard(env: Env, index: number): IntakeRpc {
  return env.INTAKE.get(env.INTAKE.idFromName(`intake:${index}`)) as unknown as IntakeRpc;
}

/** The shard that holds `key`'s claim. */
export function intakeOfKey(env: Env, key: string): IntakeRpc {
  return shard(env, shardOfKey(key));
}

/** The shard that may hold the start of a run it admitted. */
export function intakeOfRun(env: Env, runId: string): IntakeRpc {
  return shard(env, shardOfRunId(runId));
}
