// The audit log: filter newest first with a cursor, export as NDJSON, verify the chain.
import { drainIndexWriters } from "../durable/index-writer-stub";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { chainAuditLog, listAudit, verifyAuditLog, type AuditRow } from "../db/audit";
import { database } from "../db/client";
import type { AppEnv } from "./app-env";
import { jsonContent, problems } from "./schemas";

const entrySchema = z
  .object({
    seq: z.int(),
    at: z.string(),
    actor: z.object({
      type: z.string(),
      id: z.string().nullable(),
      name: z.string().nullable(),
      role: z.string().nullable(),
    }),
    action: z.string(),
    target: z.string(),
    runId: z.string().nullable(),
    requestId: z.string().nullable(),
    clientIp: z.string().nullable(),
    result: z.string().nullable(),
    detail: z.unknown(),
    hash: z.string().nullable(),
    prevHash: z.string().nullable(),
  })
  .openapi("AuditEntry");

const listQuery = z.object({
  actor: z.string().optional().openapi({ description: "Actor id (token id, run id)" }),
  action: z.string().optional(),
  target: z.string().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  cursor: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  format: z
    .enum(["json", "ndjson"])
    .default("json")
    .openapi({ description: "ndjson streams every matching entry (up to 100,000)" }),
});

const listRoute = createRoute({
  method: "get",
  path: "/api/audit",
  tags: ["audit"],
  summary: "Audit entries, newest first",
  request: { query: listQuery },
  responses: {
    200: jsonContent(
      z.object({ entries: z.array(entrySchema), nextCursor: z.string().nullable() }),
      "A page of entries (or NDJSON)",
    ),
    ...problems,
  },
});

const verifyRoute = createRoute({
  method: "get",
  path: "/api/audit/verify",
  tags: ["audit"],
  summary: "Re-walk the hash chain and report the first break",
  responses: {
    200: jsonContent(
      z.object({
        valid: z.boolean(),
        checked: z.int(),
        unchained: z.int(),
        firstBreak: z.object({ seq: z.int(), reason: z.string() }).optional(),
      }),
      "The chain's state",
    ),
    ...problems,
  },
});

const EXPORT_LIMIT = 100_000;

function toEntry(row: AuditRow) {
  return {
    seq: row.seq,
    at: new Date(row.at).toISOString(),
    actor: { type: row.actorType, id: row.actorId, name: row.actorName, role: row.actorRole },
    action: row.action,
    target: row.target,
    runId: row.runId,
    requestId: row.requestId,
    clientIp: row.clientIp,
    result: row.result,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as unknown),
    hash: row.hash,
    prevHash: row.prevHash,
  };
}

export function registerAuditRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const { format, since, ...query } = c.req.valid("query");
    const db = database(c.env.DB);
    const filter = { ...query, since: since ? Date.parse(since) : undefined };
    await drainIndexWriters(c.env);
    if (format === "ndjson")
      return c.body(ndjsonStream(db, filter), 200, { "content-type": "application/x-ndjson" }) as never;
    const rows = await listAudit(db, { ...filter, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return c.json(
      { entries: page.map(toEntry), nextCursor: rows.length > query.limit ? String(page[page.length - 1]!.seq) : null },
      200,
    );
  });

  app.openapi(verifyRoute, async (c) => {
    const db = database(c.env.DB);
    await drainIndexWriters(c.env);
    await chainAuditLog(db);
    return c.json(await verifyAuditLog(db), 200);
  });
}

/** Every matching entry, newest first, one JSON object per line, read a page at a time. */
function ndjsonStream(
  db: ReturnType<typeof database>,
  filter: Omit<Parameters<typeof listAudit>[1], "limit">,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor = filter.cursor;
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      const rows = await listAudit(db, { ...filter, cursor, limit: 1000 });
      if (rows.length === 0 || sent >= EXPORT_LIMIT) return controller.close();
      controller.enqueue(encoder.encode(`${rows.map((row) => JSON.stringify(toEntry(row))).join("\n")}\n`));
      sent += rows.length;
      cursor = rows[rows.length - 1]!.seq;
    },
  });
}
