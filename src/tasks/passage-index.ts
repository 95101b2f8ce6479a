// How a `retrieve` step finds passages: behind one small interface, so that a semantic
// index (Vectorize embeddings, written when a document is put) can be added beside the
// full-text one later without touching the step. Only full-text search exists today.
import type { Database } from "../db/client";
import { hasKnowledgeDocuments, searchKnowledgeChunks } from "../db/knowledge";
import { ftsQuery } from "../core/knowledge/fts-query";

export interface Passage {
  collection: string;
  docId: string;
  chunk: number;
  text: string;
  /** Higher is more relevant; comparable within one query only. */
  score: number;
  metadata?: Record<string, unknown>;
}

export interface PassageIndex {
  /** Null when the collection holds no document at all (likely a wrong name). */
  search(collection: string, query: string, limit: number): Promise<Passage[] | null>;
}

/** BM25 over D1 FTS5 (porter-stemmed words, OR-ed). */
export function fullTextIndex(db: Database): PassageIndex {
  return {
    async search(collection, query, limit) {
      if (!(await hasKnowledgeDocuments(db, collection))) return null;
      const match = ftsQuery(query);
      if (match === null) return [];
      const rows = await searchKnowledgeChunks(db, collection, match, limit);
      return rows.map((row) => ({
        collection: row.collection,
        docId: row.docId,
        chunk: row.chunk,
        text: row.text,
        // bm25() is lower for better matches; a score reads better the other way round.
        score: Math.round(-row.rank * 1e4) / 1e4,
        ...(row.metadata ? { metadata: JSON.parse(row.metadata) as Record<string, unknown> } : {}),
      }));
    },
  };
}
