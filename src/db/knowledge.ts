// The knowledge store in D1: documents, their chunks, and the FTS5 index over the chunks
// (migration 0008). Writes keep chunks and index in step inside one batch (a transaction),
// in plain SQL on the D1 binding: drizzle cannot speak to the FTS5 table.
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { chunkText } from "../core/knowledge/chunk";
import { database, type Database } from "./client";
import { knowledgeDocuments } from "./schema";

export type KnowledgeDocumentRow = typeof knowledgeDocuments.$inferSelect;

/** D1 binds at most 100 parameters per statement; a chunk row takes 4. */
const CHUNK_ROWS_PER_INSERT = 25;

export interface PutDocument {
  collection: string;
  docId: string;
  text: string;
  metadata: Record<string, unknown> | null;
  bytes: number;
  now: number;
}

/**
 * What replacing the document (its chunks and their index entries) takes: the new row, whether
 * it is new, and the writes, for the caller to batch (an API put, with its audit entry).
 */
export async function planKnowledgePut(
  d1: D1Database,
  doc: PutDocument,
): Promise<{ created: boolean; row: KnowledgeDocumentRow; writes: D1PreparedStatement[] }> {
  const existing = await findKnowledgeDocument(database(d1), doc.collection, doc.docId);
  const chunks = chunkText(doc.text);
  const row: KnowledgeDocumentRow = {
    collection: doc.collection,
    docId: doc.docId,
    metadata: doc.metadata === null ? null : JSON.stringify(doc.metadata),
    bytes: doc.bytes,
    chunks: chunks.length,
    createdAt: existing?.createdAt ?? doc.now,
    updatedAt: doc.now,
  };
  const { collection, docId } = doc;
  const inserts: D1PreparedStatement[] = [];
  for (let start = 0; start < chunks.length; start += CHUNK_ROWS_PER_INSERT) {
    const rows = chunks.slice(start, start + CHUNK_ROWS_PER_INSERT);
    const values = rows.map(() => "(?, ?, ?, ?)").join(", ");
    inserts.push(
      d1
        .prepare(`INSERT INTO knowledge_chunks (collection, doc_id, chunk, text) VALUES ${values}`)
        .bind(...rows.flatMap((text, offset) => [collection, docId, start + offset, text])),
    );
  }
  const writes = [
    ...removeChunks(d1, collection, docId),
    ...inserts,
    d1
      .prepare(
        "INSERT INTO knowledge_fts (rowid, text) SELECT id, text FROM knowledge_chunks WHERE collection = ? AND doc_id = ?",
      )
      .bind(collection, docId),
    d1
      .prepare(
        `INSERT INTO knowledge_documents (collection, doc_id, metadata, bytes, chunks, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (collection, doc_id) DO UPDATE SET metadata = excluded.metadata, bytes = excluded.bytes, chunks = excluded.chunks, updated_at = excluded.updated_at`,
      )
      .bind(collection, docId, row.metadata, row.bytes, row.chunks, row.createdAt, row.updatedAt),
  ];
  return { created: !existing, row, writes };
}

/** The writes that delete a document and its index entries, for the caller to batch. */
export function knowledgeDelete(d1: D1Database, collection: string, docId: string): D1PreparedStatement[] {
  return [
    ...removeChunks(d1, collection, docId),
    d1.prepare("DELETE FROM knowledge_documents WHERE collection = ? AND doc_id = ?").bind(collection, docId),
  ];
}

/** An external-content FTS5 index forgets a row only when told its old text ('delete'). */
function removeChunks(d1: D1Database, collection: string, docId: string): D1PreparedStatement[] {
  return [
    d1
      .prepare(
        "INSERT INTO knowledge_fts (knowledge_fts, rowid, text) SELECT 'delete', id, text FROM knowledge_chunks WHERE collection = ? AND doc_id = ?",
      )
      .bind(collection, docId),
    d1.prepare("DELETE FROM knowledge_chunks WHERE collection = ? AND doc_id = ?").bind(collection, docId),
  ];
}

export async function findKnowledgeDocument(
  db: Database,
  collection: string,
  docId: string,
): Promise<KnowledgeDocumentRow | undefined> {
  return db
    .select()
    .from(knowledgeDocuments)
    .where(and(eq(knowledgeDocuments.collection, collection), eq(knowledgeDocuments.docId, docId)))
    .get();
}

/** A page of a collection's documents by id, after `cursor` (exclusive). */
export async function listKnowledgeDocuments(
  db: Database,
  collection: string,
  limit: number,
  cursor?: string,
): Promise<KnowledgeDocumentRow[]> {
  const after = cursor === undefined ? undefined : gt(knowledgeDocuments.docId, cursor);
  return db
    .select()
    .from(knowledgeDocuments)
    .where(and(eq(knowledgeDocuments.collection, collection), after))
    .orderBy(asc(knowledgeDocuments.docId))
    .limit(limit)
    .all();
}

export async function hasKnowledgeDocuments(db: Database, collection: string): Promise<boolean> {
  const row = await db
    .select({ docId: knowledgeDocuments.docId })
    .from(knowledgeDocuments)
    .where(eq(knowledgeDocuments.collection, collection))
    .limit(1)
    .get();
  return row !== undefined;
}

export interface RankedChunk {
  collection: string;
  docId: string;
  chunk: number;
  text: string;
  /** FTS5's bm25(): lower is more relevant. */
  rank: number;
  metadata: string | null;
}

/** The best `limit` chunks of `collection` for an FTS5 MATCH expression (see knowledge/fts-query.ts). */
export async function searchKnowledgeChunks(
  db: Database,
  collection: string,
  match: string,
  limit: number,
): Promise<RankedChunk[]> {
  return db.all<RankedChunk>(sql`
    SELECT c.collection AS collection, c.doc_id AS docId, c.chunk AS chunk, c.text AS text, bm25(knowledge_fts) AS rank, d.metadata AS metadata
    FROM knowledge_fts
    JOIN knowledge_chunks c ON c.id = knowledge_fts.rowid
    LEFT JOIN knowledge_documents d ON d.collection = c.collection AND d.doc_id = c.doc_id
    WHERE knowledge_fts MATCH ${match} AND c.collection = ${collection}
    ORDER BY rank
    LIMIT ${limit}`);
}
