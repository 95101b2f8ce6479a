// Every mutating API call is audited: who (token id, name, role), what (method and
// route), on what (path), from where (client IP), with which request id and result.
// API calls wait for their entry, so a crash cannot lose it; webhook deliveries do not
// (their run's own outbox records the trigger), to keep acknowledgements fast. A route may
// hand over D1 writes of its own (`alongsideAudit`): they go in the entry's round trip.
import type { Context, MiddlewareHandler } from "hono";
import type { BatchItem } from "drizzle-orm/batch";
import { database } from "../db/client";
import { auditInsert, type NewAuditEntry } from "../db/audit";
import type { AppEnv } from "../env";

/** A D1 write a route leaves to the audit entry's batch: written with it, before the answer on /api. */
export type WriteAlongsideAudit = BatchItem<"sqlite">;

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export const auditTrail: MiddlewareHandler<AppEnv> = async (c, next) => {
  const alongside: WriteAlongsideAudit[] = [];
  c.set("alongsideAudit", alongside);
  await next();
  if (!MUTATING.has(c.req.method)) {
    if (alongside.length > 0)
      await database(c.env.DB).batch(alongside as [WriteAlongsideAudit, ...WriteAlongsideAudit[]]);
    return;
  }
  // The route wrote this request's entry itself, in its own D1 batch (an accepted webhook).
  if (c.get("auditWritten")) return;
  const entry = requestAuditEntry(c, String(c.res.status));
  const db = database(c.env.DB);
  const write = db
    .batch([auditInsert(db, [entry]), ...alongside])
    .catch((error: unknown) => console.error("audit write failed", error));
  if (c.req.path.startsWith("/api/")) return void (await write);
  try {
    c.executionCtx.waitUntil(write);
  } catch {
    await write; // no execution context (called directly in tests)
  }
};

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
