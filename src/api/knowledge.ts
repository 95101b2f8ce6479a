// The knowledge store: documents put by editors, chunked and indexed on write,
// searched by `retrieve` steps. A document's text is at most 1 MiB; a bigger one is 413.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { database } from "../db/client";
import {
  findKnowledgeDocument,
  knowledgeDelete,
  listKnowledgeDocuments,
  planKnowledgePut,
  type KnowledgeDocumentRow,
} from "../db/knowledge";
import type { AppEnv } from "./app-env";
import { writeWithAudit } from "./audit-trail";
import { AppError, notFound } from "../core/problem";
import { requireJsonBody } from "./request-body";
import { jsonContent, problems } from "./schemas";

const MAX_DOCUMENT_BYTES = 1024 * 1024;
const MAX_METADATA_BYTES = 16 * 1024;
const COLLECTION = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const DOC_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const collectionParam = z
  .string()
  .regex(COLLECTION, "a collection is lowercase letters, digits, _ and -, at most 63 characters")
  .openapi({ param: { name: "collection", in: "path" }, example: "policies" });
const docIdParam = z
  .string()
  .regex(DOC_ID, "a document id is letters, digits, ., _, : and -, at most 128 characters")
  .openapi({ param: { name: "docId", in: "path" }, example: "refund-policy" });
const documentParams = z.object({ collection: collectionParam, docId: docIdParam });

const documentBody = z.strictObject({
  text: z.string().refine((text) => text.trim() !== "", { message: "the document has no text" }),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((metadata) => JSON.stringify(metadata).length <= MAX_METADATA_BYTES, {
      message: `metadata is at most ${MAX_METADATA_BYTES} bytes as JSON`,
    })
    .optional(),
});
const documentSchema = z
  .object({
    collection: z.string(),
    docId: z.string(),
    chunks: z.int(),
    bytes: z.int(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("KnowledgeDocument");

const putRoute = createRoute({
  method: "put",
  path: "/api/knowledge/{collection}/{docId}",
  tags: ["knowledge"],
  summary: "Create or replace a document; it is chunked and indexed for retrieve steps",
  middleware: [requireJsonBody()] as const,
  request: {
    params: documentParams,
    body: { required: true, content: { "application/json": { schema: documentBody } } },
  },
  responses: { 200: jsonContent(documentSchema, "Replaced"), 201: jsonContent(documentSchema, "Created"), ...problems },
});
const listRoute = createRoute({
  method: "get",
  path: "/api/knowledge/{collection}",
  tags: ["knowledge"],
  summary: "The documents of a collection, by id",
  request: {
    params: z.object({ collection: collectionParam }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().optional().openapi({ description: "nextCursor of the previous page" }),
    }),
  },
  responses: {
    200: jsonContent(z.object({ documents: z.array(documentSchema), nextCursor: z.string().nullable() }), "Documents"),
    ...problems,
  },
});
const deleteRoute = createRoute({
  method: "delete",
  path: "/api/knowledge/{collection}/{docId}",
  tags: ["knowledge"],
  summary: "Delete a document and its index entries",
  request: { params: documentParams },
  responses: { 204: { description: "Deleted" }, ...problems },
});

const iso = (ms: number) => new Date(ms).toISOString();
const toDocument = (row: KnowledgeDocumentRow) => ({
  collection: row.collection,
  docId: row.docId,
  chunks: row.chunks,
  bytes: row.bytes,
  metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

export function registerKnowledgeRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(putRoute, async (c) => {
    const { collection, docId } = c.req.valid("param");
    const { text, metadata } = c.req.valid("json");
    const bytes = new TextEncoder().encode(text).byteLength;
    if (bytes > MAX_DOCUMENT_BYTES)
      throw new AppError(
        "payload_too_large",
        `the document is ${bytes} bytes; the limit is ${MAX_DOCUMENT_BYTES} (split it into several documents)`,
      );
    const { created, row, writes } = await planKnowledgePut(c.env.DB, {
      collection,
      docId,
      text,
      metadata: metadata ?? null,
      bytes,
      now: Date.now(),
    });
    const status = created ? 201 : 200;
    await writeWithAudit(c, status, writes);
    return c.json(toDocument(row), status);
  });
  app.openapi(listRoute, async (c) => {
    const { collection } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const rows = await listKnowledgeDocuments(database(c.env.DB), collection, limit + 1, cursor);
    const page = rows.slice(0, limit);
    return c.json(
      { documents: page.map(toDocument), nextCursor: rows.length > limit ? page[page.length - 1]!.docId : null },
      200,
    );
  });
  app.openapi(deleteRoute, async (c) => {
    const { collection, docId } = c.req.valid("param");
    const db = database(c.env.DB);
    if (!(await findKnowledgeDocument(db, collection, docId))) throw notFound(`document ${collection}/${docId}`);
    await writeWithAudit(c, 204, knowledgeDelete(c.env.DB, collection, docId));
    return c.body(null, 204);
  });
}
