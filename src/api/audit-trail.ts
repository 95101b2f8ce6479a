// Every mutating API call is audited: who (token id, name, role), what (method and
// route), on what (path), from where (client IP), with which request id and result.
// An API call is confirmed only once its entry is written: a route whose change is a D1
// write makes it in the entry's batch (`writeWithAudit`), so both land or neither; a call
// that starts a run hands its entry to the run, which records it as it is created (see
// api/run-start.ts); any other call's entry is written before the answer, and if it cannot
// be, the answer is 503, never a success with the record missing. Webhook deliveries do not
// wait (their run's own outbox records the trigger), to keep acknowledgements fast.
import type { Context, MiddlewareHandler } from "hono";
import { database } from "../db/client";
import { auditInsert, type NewAuditEntry } from "../db/audit";
import type { AppEnv, WriteAlongsideAudit } from "./app-env";
import { AppError } from "../core/problem";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export const auditTrail: MiddlewareHandler<AppEnv> = async (c, next) => {
  const alongside: WriteAlongsideAudit[] = [];
  c.set("alongsideAudit", alongside);
  await next();
  const db = database(c.env.DB);
  if (!MUTATING.has(c.req.method)) {
    if (alongside.length > 0) await db.batch(alongside as [WriteAlongsideAudit, ...WriteAlongsideAudit[]]);
    return;
  }
  // The route wrote this request's entry itself, in the batch of its change.
  if (c.get("auditWritten")) {
    if (alongside.length > 0) await db.batch(alongside as [WriteAlongsideAudit, ...WriteAlongsideAudit[]]);
    return;
  }
  const write = db.batch([auditInsert(db, [requestAuditEntry(c, String(c.res.status))]), ...alongside]);
  if (c.req.path.startsWith("/api/")) return void (await write.catch(unrecorded));
  const logged = write.catch((error: unknown) => console.error("webhook audit write failed", error));
  try {
    c.executionCtx.waitUntil(logged);
  } catch {
    await logged; // no execution context (called directly in tests)
  }
};

/** A route's D1 write: a drizzle insert, update or delete, or a plain D1 statement (FTS5 tables). */
export type AuditedChange = D1PreparedStatement | { toSQL(): { sql: string; params: unknown[] } };

/**
 * Makes a route's D1 change and writes the request's audit entry (answered `status`) in one
 * batch, so a crash cannot leave the change without its record. Call it once, with the
 * request's change; the middleware then writes no second entry. If the batch fails nothing
 * was changed, and the error is the answer (the middleware records that one).
 */
export async function writeWithAudit(c: Context<AppEnv>, status: number, changes: AuditedChange[]): Promise<void> {
  const d1 = c.env.DB;
  const entry = auditInsert(database(d1), [requestAuditEntry(c, String(status))]);
  // One D1 batch (a transaction) over both kinds: drizzle cannot batch a plain statement.
  const statements = [entry, ...changes].map((change) => {
    if (!("toSQL" in change)) return change;
    const { sql, params } = change.toSQL();
    return d1.prepare(sql).bind(...params);
  });
  await d1.batch(statements);
  c.set("auditWritten", true);
}

function unrecorded(error: unknown): never {
  console.error("audit write failed", error);
  throw new AppError(
    "unavailable",
    "the request's audit entry could not be written, so the request is not confirmed; check its effect and retry",
    {
      retryAfter: 1,
    },
  );
}

/** This request's audit entry, answered with `result` (the status). */
export function requestAuditEntry(c: Context<AppEnv>, result: string): NewAuditEntry {
  const actor = c.get("actor");
  return {
    eventId: `request:${c.get("requestId")}`,
    at: Date.now(),
    actorType: actor ? "token" : c.req.path.startsWith("/hooks/") ? "webhook" : "anonymous",
    actorId: actor?.id ?? null,
    actorName: actor?.name ?? null,
    actorRole: actor?.role ?? null,
    action: `${c.req.method} ${c.req.routePath}`,
    target: c.req.path,
    runId: null,
    requestId: c.get("requestId"),
    clientIp: c.req.header("cf-connecting-ip") ?? null,
    result,
    detail: null,
  };
}
