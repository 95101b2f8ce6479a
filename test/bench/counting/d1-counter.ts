// D1 round trips of the bench's Waymark, counted at the binding (test/support/counting-d1.ts
// says what counts as one). Counts are kept per isolate, by kind and by caller (which entry
// or Durable Object class used the binding); under `wrangler dev` the Worker and its Durable
// Objects share one isolate, so one module-level counter sees them all. Bench only: product
// code never imports this.
import { countingD1, type RoundTripKind } from "../../support/counting-d1.ts";

/** Where the bench entry answers the counts (test/bench/counting/index.ts). */
export const D1_COUNTS_PATH = "/__bench/d1";

export interface D1Counts {
  roundTrips: number;
  byKind: Record<string, number>;
  byCaller: Record<string, number>;
  /** Statements sent inside batches (a batch counts as one round trip). */
  batchedStatements: number;
}

const counts: D1Counts = { roundTrips: 0, byKind: {}, byCaller: {}, batchedStatements: 0 };

/** A copy of the counts so far (since the isolate started). */
export function d1Counts(): D1Counts {
  return { ...counts, byKind: { ...counts.byKind }, byCaller: { ...counts.byCaller } };
}

function count(kind: RoundTripKind, caller: string): void {
  counts.roundTrips++;
  counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
  counts.byCaller[caller] = (counts.byCaller[caller] ?? 0) + 1;
}

/**
 * One counting env per (env, caller), made once: the product keeps one drizzle handle per
 * D1 binding object (src/db/client.ts), so a new proxy per request would rebuild it each time.
 */
const envs = new WeakMap<object, Map<string, object>>();

/** `env` with `DB` counted as `caller`'s; every other binding is the original. */
export function countingEnv<E extends { DB: D1Database }>(env: E, caller: string): E {
  let byCaller = envs.get(env);
  if (!byCaller) envs.set(env, (byCaller = new Map()));
  let counted = byCaller.get(caller) as E | undefined;
  if (!counted) {
    const database = countingD1(env.DB, (kind, statements) => {
      count(kind, caller);
      if (kind === "batch") counts.batchedStatements += statements;
    });
    counted = new Proxy(env, {
      get: (target, key) => (key === "DB" ? database : Reflect.get(target, key, target)),
    });
    byCaller.set(caller, counted);
  }
  return counted;
}
