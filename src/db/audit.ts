// The append-only audit log in D1: entries are inserted unchained, and the chainer fills
// in their hashes in seq order, each conditional on the chain head; see security/audit-chain.ts.
import { and, asc, desc, eq, gt, gte, isNotNull, isNull, lt, sql, type SQL } from "drizzle-orm";
import { entryHash, findBreak, GENESIS_HASH, type ChainBreak } from "../security/audit-chain";
import type { Database } from "./client";
import { auditLog } from "./schema";

export type AuditRow = typeof auditLog.$inferSelect;
export type NewAuditEntry = Omit<typeof auditLog.$inferInsert, "seq" | "prevHash" | "hash">;

const CHAIN_BATCH = 200;

export async function insertAuditEntries(db: Database, entries: NewAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await auditInsert(db, entries);
}

/** The insert of `entries` (at least one), as a statement a batch can carry. */
export function auditInsert(db: Database, entries: NewAuditEntry[]) {
  return db.insert(auditLog).values(entries).onConflictDoNothing();
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  since?: number;
  /** seq to continue below (exclusive), newest first. */
  cursor?: number;
  limit: number;
}

export async function listAudit(db: Database, filter: AuditFilter): Promise<AuditRow[]> {
  const conditions: SQL[] = [];
  if (filter.actor) conditions.push(eq(auditLog.actorId, filter.actor));
  if (filter.action) conditions.push(eq(auditLog.action, filter.action));
  if (filter.target) conditions.push(eq(auditLog.target, filter.target));
  if (filter.since !== undefined) conditions.push(gte(auditLog.at, filter.since));
  if (filter.cursor !== undefined) conditions.push(lt(auditLog.seq, filter.cursor));
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.seq))
    .limit(filter.limit)
    .all();
}

/**
 * Chains every unchained entry, in seq order. Each hash is written only while the chain head
 * is still the entry it follows (a compare-and-set inside the batch), so two chainers at once
 * (a cron tick and a verify, two isolates) cannot fork the chain: one that read a head another
 * has since moved changes nothing, reads the new head and carries on from there.
 */
export async function chainAuditLog(db: Database): Promise<number> {
  let chained = 0;
  for (let lostRounds = 0; lostRounds < MAX_LOST_ROUNDS; ) {
    const head = await chainHead(db);
    const pending = await db
      .select()
      .from(auditLog)
      .where(and(isNull(auditLog.hash), gt(auditLog.seq, head?.seq ?? 0)))
      .orderBy(asc(auditLog.seq))
      .limit(CHAIN_BATCH)
      .all();
    if (pending.length === 0) return chained;
    let prevHash = head?.hash ?? GENESIS_HASH;
    const appends = [];
    for (const entry of pending) {
      const hash = await entryHash(prevHash, entry);
      appends.push(appendIfHeadIs(db, prevHash, entry.seq, hash));
      prevHash = hash;
    }
    const written = await db.batch(appends as [(typeof appends)[number], ...typeof appends]);
    const appended = written.reduce((sum, rows) => sum + rows.length, 0);
    chained += appended;
    // Another chainer moved the head since it was read: nothing was written; read it again.
    if (appended < pending.length) lostRounds++;
  }
  return chained;
}

/** Another chainer winning every round means it is doing the work; the next pass picks up the rest. */
const MAX_LOST_ROUNDS = 20;

/** The last chained entry (highest seq with a hash), or none before the first. */
function chainHead(db: Database) {
  return db
    .select({ seq: auditLog.seq, hash: auditLog.hash })
    .from(auditLog)
    .where(isNotNull(auditLog.hash))
    .orderBy(desc(auditLog.seq))
    .limit(1)
    .get();
}

/** Chains one entry onto `prevHash`, only if that is still the chain head when the statement runs. */
function appendIfHeadIs(db: Database, prevHash: string, seq: number, hash: string) {
  const headHash = sql`coalesce((select head.hash from ${auditLog} as head where head.hash is not null order by head.seq desc limit 1), ${GENESIS_HASH})`;
  return db
    .update(auditLog)
    .set({ prevHash, hash })
    .where(and(eq(auditLog.seq, seq), isNull(auditLog.hash), sql`${headHash} = ${prevHash}`))
    .returning({ seq: auditLog.seq });
}

/** Re-walks the chain from the first entry; reports the first entry that breaks it. */
export async function verifyAuditLog(
  db: Database,
): Promise<{ valid: boolean; checked: number; unchained: number; firstBreak?: ChainBreak }> {
  let prevHash = GENESIS_HASH;
  let afterSeq = 0;
  let checked = 0;
  for (;;) {
    const entries = await db
      .select()
      .from(auditLog)
      .where(and(isNotNull(auditLog.hash), gt(auditLog.seq, afterSeq)))
      .orderBy(asc(auditLog.seq))
      .limit(1000)
      .all();
    if (entries.length === 0) break;
    const result = await findBreak(prevHash, entries);
    if (result.break)
      return {
        valid: false,
        checked: checked + entries.findIndex((entry) => entry.seq === result.break!.seq),
        unchained: await countUnchained(db),
        firstBreak: result.break,
      };
    checked += entries.length;
    prevHash = result.lastHash;
    afterSeq = entries[entries.length - 1]!.seq;
  }
  return { valid: true, checked, unchained: await countUnchained(db) };
}

async function countUnchained(db: Database): Promise<number> {
  return (await db.$count(auditLog, isNull(auditLog.hash))) as number;
}
