// The bench's D1 counter over a fake binding: what counts as a round trip, that bound
// statements count too, that batch() hands the runtime its own statements, and that
// everything else passes through untouched.
import { describe, expect, it } from "vitest";
import { countingEnv, d1Counts } from "./d1-counter.ts";

class FakeStatement {
  // A private field, as a runtime object may have: reached through a proxy, it would throw.
  readonly #sql: string;
  constructor(
    sql: string,
    readonly params: unknown[] = [],
  ) {
    this.#sql = sql;
  }
  get sql() {
    return this.#sql;
  }
  bind(...values: unknown[]) {
    return new FakeStatement(this.#sql, values);
  }
  async run() {
    return { sql: this.#sql };
  }
  async all() {
    return { results: [] };
  }
  async first() {
    return null;
  }
  async raw() {
    return [];
  }
}

class FakeDatabase {
  readonly sent: string[] = [];
  prepare(sql: string) {
    return new FakeStatement(sql);
  }
  async batch(statements: FakeStatement[]) {
    if (!statements.every((statement) => statement instanceof FakeStatement)) throw new Error("not a statement");
    this.sent.push(...statements.map((statement) => statement.sql));
    return [];
  }
  async exec(_sql: string) {
    return { count: 1 };
  }
}

const fakeEnv = () => ({ DB: new FakeDatabase() as unknown as D1Database, NAME: "waymark" });

const delta = (before: ReturnType<typeof d1Counts>) => {
  const after = d1Counts();
  const kinds = Object.fromEntries(
    Object.entries(after.byKind)
      .map(([kind, n]) => [kind, n - (before.byKind[kind] ?? 0)])
      .filter(([, n]) => n !== 0),
  );
  return {
    roundTrips: after.roundTrips - before.roundTrips,
    kinds,
    batched: after.batchedStatements - before.batchedStatements,
  };
};

describe("the bench's D1 round-trip counter", () => {
  it("counts one per statement run, batch and exec, none per prepare or bind", async () => {
    const env = countingEnv(fakeEnv(), "test");
    const before = d1Counts();
    const statement = env.DB.prepare("SELECT ?");
    const bound = statement.bind(1);
    expect(delta(before).roundTrips).toBe(0);
    await bound.run();
    await bound.all();
    await statement.bind(2).first();
    await bound.raw();
    await env.DB.exec("SELECT 1");
    await env.DB.batch([bound, env.DB.prepare("SELECT 2")]);
    expect(delta(before)).toEqual({
      roundTrips: 6,
      kinds: { run: 1, all: 1, first: 1, raw: 1, exec: 1, batch: 1 },
      batched: 2,
    });
    expect(d1Counts().byCaller.test).toBeGreaterThanOrEqual(6);
  });

  it("gives batch() the runtime's statements and leaves other bindings and properties alone", async () => {
    const raw = fakeEnv();
    const env = countingEnv(raw, "test");
    const bound = env.DB.prepare("SELECT ?").bind(7) as unknown as FakeStatement;
    expect(bound.sql).toBe("SELECT ?");
    expect(bound.params).toEqual([7]);
    await env.DB.batch([bound as unknown as D1PreparedStatement]);
    expect((raw.DB as unknown as FakeDatabase).sent).toEqual(["SELECT ?"]);
    expect(env.NAME).toBe("waymark");
  });

  it("makes one counting env per env and caller, so the product's handle per binding is kept", () => {
    const raw = fakeEnv();
    expect(countingEnv(raw, "a")).toBe(countingEnv(raw, "a"));
    expect(countingEnv(raw, "a").DB).toBe(countingEnv(raw, "a").DB);
    expect(countingEnv(raw, "a").DB).not.toBe(countingEnv(raw, "b").DB);
  });
});
