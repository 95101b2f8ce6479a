// How a run's outbox reaches the index writers (src/writer/index-writer.ts): each run's
// index row and audit entries go to the writer its id hashes to, which commits the rows of
// many runs to D1 in one batch. IndexWriter implements this interface.
import { stableHash } from "../core/stable-hash";

/**
 * Writers per deployment (`WAYMARK_INDEX_WRITERS`, wrangler.toml): each commits to D1 about
 * once per WRITER_INTERVAL_MS while busy, so D1 sees about that many batches a second however
 * many runs there are; each takes a few hundred runs a second (two flushes a run).
 */
const DEFAULT_WRITERS = 4;
const MAX_WRITERS = 256;

function writerCount(env: Env): number {
  const configured = Number(env.WAYMARK_INDEX_WRITERS);
  return Number.isInteger(configured) && configured >= 1 ? Math.min(configured, MAX_WRITERS) : DEFAULT_WRITERS;
}

/** A run's rows for D1 (db/runs.ts RunIndexRow and db/audit.ts NewAuditEntry, as plain records). */
export interface IndexRows {
  /** The run's newest index row: a snapshot, the newest `updatedAt` wins. */
  index?: Record<string, unknown> & { id: string; updatedAt: number };
  /** Audit-log rows, each once by `eventId`, in the run's order. */
  audits: (Record<string, unknown> & { eventId: string })[];
}

export interface IndexWriterRpc {
  /** Keeps the rows durably and answers; they reach D1 now when the writer is idle, else with the next batch. */
  append(rows: IndexRows): Promise<void>;
  /** Commits what it keeps to D1 now (for readers); false when D1 refused, the rows then wait for the writer's retry. */
  drain(): Promise<boolean>;
}

function writer(env: Env, index: number): IndexWriterRpc {
  return env.WRITERS.get(env.WRITERS.idFromName(`writer:${index}`)) as unknown as IndexWriterRpc;
}

export function indexWriterOfRun(env: Env, runId: string): IndexWriterRpc {
  return writer(env, stableHash(runId) % writerCount(env));
}

/**
 * Has every writer commit what it keeps, so a reader of the run index or the audit log sees
 * every row runs have flushed: writes are batched, reads are not left behind by the batching.
 * False when a writer could not (D1 refused): a reader may go on with what D1 has; a job
 * that deletes index rows must not, or a late commit would bring them back.
 */
export async function drainIndexWriters(env: Env): Promise<boolean> {
  const drained = await Promise.all(Array.from({ length: writerCount(env) }, (_, index) => writer(env, index).drain()));
  return drained.every(Boolean);
}
