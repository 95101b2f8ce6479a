-- Full-text index of the knowledge store for `retrieve` steps (BM25 ranking). External
-- content: the text stays in knowledge_chunks, keyed by its id; src/db/knowledge.ts inserts
-- and deletes index rows in the same batch as the chunks (no triggers). Porter stemming, so
-- "refunds" finds "refund".
CREATE VIRTUAL TABLE `knowledge_fts` USING fts5(`text`, content='knowledge_chunks', content_rowid='id', tokenize='porter unicode61');
