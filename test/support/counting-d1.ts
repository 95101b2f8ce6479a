// D1 round trips counted at the binding: a proxy stands in for a D1Database and tells a
// callback of one round trip per batch(), per exec() (and dump()), and per run(), all(),
// first() or raw() of a prepared statement, whether it succeeds or not. prepare() and
// bind() send nothing: they hand back counting statements (bind() makes a new statement),
// and batch() gives the runtime's own statements back to the runtime. Used by the bench's
// counting entry (test/bench/counting/) and by tests that check what a request waits on.

/** What one round trip was. */
export type RoundTripKind = "batch" | "exec" | "dump" | "run" | "all" | "first" | "raw";

/** Told of each round trip, with the number of statements it carried. */
type OnTrip = (kind: RoundTripKind, statements: number) => void;

const STATEMENT_TRIPS = new Set<string | symbol>(["run", "all", "first", "raw"]);
const DATABASE_TRIPS = new Set<string | symbol>(["exec", "dump"]);

/** Counting statement → the runtime's statement, for batch(). */
const unwrapped = new WeakMap<object, D1PreparedStatement>();

function countingStatement(statement: D1PreparedStatement, onTrip: OnTrip): D1PreparedStatement {
  const proxy = new Proxy(statement, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (key === "bind") return (...values: unknown[]) => countingStatement(target.bind(...values), onTrip);
      if (STATEMENT_TRIPS.has(key))
        return (...args: unknown[]) => {
          onTrip(key as RoundTripKind, 1);
          return value.apply(target, args);
        };
      return value.bind(target);
    },
  });
  unwrapped.set(proxy, statement);
  return proxy;
}

/**
 * A D1Database (or a session from withSession(), which has prepare and batch too) that tells
 * `onTrip` of every round trip it makes, with the statements it carried.
 */
export function countingD1<T extends object>(database: T, onTrip: OnTrip): T {
  return new Proxy(database, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (key === "prepare") return (query: string) => countingStatement(value.call(target, query), onTrip);
      if (key === "batch")
        return (statements: D1PreparedStatement[]) => {
          onTrip("batch", statements.length);
          return value.call(
            target,
            statements.map((statement) => unwrapped.get(statement) ?? statement),
          );
        };
      if (key === "withSession") return (...args: unknown[]) => countingD1(value.apply(target, args), onTrip);
      if (DATABASE_TRIPS.has(key))
        return (...args: unknown[]) => {
          onTrip(key as RoundTripKind, 1);
          return value.apply(target, args);
        };
      return value.bind(target);
    },
  });
}
