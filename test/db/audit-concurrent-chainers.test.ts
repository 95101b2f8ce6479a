// Two chainers at once (a cron tick and a verify, or two isolates) cannot fork the audit
// chain: each append is conditional on the chain head it read, so a chainer that read a
// head another one has since moved loses its batch and reads again. The test holds one
// chainer between its reads while the other chains and new entries land, the interleaving
// that once chained a new entry onto a stale head.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chainAuditLog, insertAuditEntries, type NewAuditEntry } from "../../src/db/audit";
import { database } from "../../src/db/client";
import { call, expectJson } from "../support/workers/api";
import { uniqueName } from "../support/workers/tokens";

const READS = new Set(["all", "first", "raw", "run"]);

/** env.DB, except that the statement read `holdAt` (counting from 1) waits for `release`. */
function heldD1(holdAt: number): { d1: D1Database; reached: Promise<void>; release: () => void } {
  let reads = 0;
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (typeof value !== "function") return value;
        const method = value as (...args: unknown[]) => unknown;
        if (key === "bind") return (...args: unknown[]) => wrap(method.apply(target, args) as D1PreparedStatement);
        if (!READS.has(String(key))) return method.bind(target);
        return async (...args: unknown[]) => {
          if (++reads === holdAt) {
            reach();
            await released;
          }
          return method.apply(target, args);
        };
      },
    });
  const d1 = new Proxy(env.DB, {
    get(target, key) {
      if (key === "prepare") return (sql: string) => wrap(target.prepare(sql));
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { d1, reached, release };
}

function entries(tag: string, count: number): NewAuditEntry[] {
  return Array.from({ length: count }, (_, n) => ({
    eventId: `${tag}:${n}`,
    at: Date.now(),
    actorType: "test",
    actorId: null,
    actorName: null,
    actorRole: null,
    action: "test.chain",
    target: tag,
    runId: null,
    requestId: null,
    clientIp: null,
    result: null,
    detail: null,
  }));
}

describe("two audit chainers at once", () => {
  it("leave a chain that verifies, however their reads interleave", async () => {
    const db = database(env.DB);
    await chainAuditLog(db);
    const tag = uniqueName("chainers");
    await insertAuditEntries(db, entries(`${tag}-first`, 3));

    // The slow chainer reads the chain head, then stops before its next read...
    const slow = heldD1(2);
    const slowChaining = chainAuditLog(database(slow.d1));
    await Promise.race([slow.reached, slowChaining]);
    // ...while a fast one chains everything, and more entries arrive.
    await chainAuditLog(db);
    await insertAuditEntries(db, entries(`${tag}-second`, 3));
    slow.release();
    await slowChaining;
    await chainAuditLog(db);

    const report = await expectJson<{ valid: boolean; unchained: number; firstBreak?: unknown }>(
      await call("GET", "/api/audit/verify"),
      200,
    );
    expect(report).toMatchObject({ valid: true, unchained: 0 });
  });
});
