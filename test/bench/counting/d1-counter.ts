// D1 round trips of the bench's Waymark, counted at the binding: a proxy stands in for
// `env.DB` and counts one round trip per batch(), per exec() (and dump()), and per run(),
// all(), first() or raw() of a prepared statement, whether it succeeds or not. prepare()
// and bind() send nothing: they hand back counting statements (bind() makes a new
// statement), and batch() gives the runtime's own statements back to the runtime. Counts
// are kept per isolate, by kind and by caller (which entry or Durable Object class used
// the binding); under `wrangler dev` the Worker and its Durable Objects share one isolate,
// so one module-level counter sees them all. Bench only: product code never imports this.

/** Where the bench entry answers the counts (test/bench/counting/index.ts). */
export const D1_COUNTS_PATH = "/__bench/d1";

/** What one round trip was. */
type RoundTripKind = "batch" | "exec" | "dump" | "run" | "all" | "first" | "raw";

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

const STATEMENT_TRIPS = new Set<string | symbol>(["run", "all", "first", "raw"]);
const DATABASE_TRIPS = new Set<string | symbol>(["exec", "dump"]);

/** Counting statement → the runtime's statement, for batch(). */
const unwrapped = new WeakMap<object, D1PreparedStatement>();

function countingStatement(statement: D1PreparedStatement, caller: string): D1PreparedStatement {
  const proxy = new Proxy(statement, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (key === "bind") return (...values: unknown[]) => countingStatement(target.bind(...values), caller);
      if (STATEMENT_TRIPS.has(key))
        return (...args: unknown[]) => {
          count(key as RoundTripKind, caller);
          return value.apply(target, args);
        };
      return value.bind(target);
    },
  });
  unwrapped.set(proxy, statement);
  return proxy;
}

/** A D1Database (or a session from withSession(), which has prepare and batch too) that counts. */
function countingDatabase<T extends object>(database: T, caller: string): T {
  return new Proxy(database, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (key === "prepare") return (query: string) => countingStatement(value.call(target, query), caller);
      if (key === "batch")
        return (statements: D1PreparedStatement[]) => {
          count("batch", caller);
          counts.batchedStatements += statements.length;
          return value.call(
            target,
            statements.map((statement) => unwrapped.get(statement) ?? statement),
          );
        };
      if (key === "withSession") return (...args: unknown[]) => countingDatabase(value.apply(target, args), caller);
      if (DATABASE_TRIPS.has(key))
        return (...args: unknown[]) => {
          count(key as RoundTripKind, caller);
          return value.apply(target, args);
        };
      return value.bind(target);
    },
  });
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
    const database = countingDatabase(env.DB, caller);
    counted = new Proxy(env, {
      get: (target, key) => (key === "DB" ? database : Reflect.get(target, key, target)),
    });
    byCaller.set(caller, counted);
  }
  return counted;
}
