// Idempotency keys for run starts (IETF Idempotency-Key draft): the first request
// with a key claims it; repeats within 24 h replay its run.
import { and, eq, lt } from "drizzle-orm";
import type { Database } from "./client";
import { idempotencyKeys } from "./schema";

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Claims a key for a request. Returns the existing row when someone already holds it. */
export async function claimIdempotencyKey(
  db: Database,
  claim: { key: string; requestHash: string; runId: string; now: number },
): Promise<IdempotencyRow | undefined> {
  // Expired claims free their key.
  await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.key, claim.key), lt(idempotencyKeys.expiresAt, claim.now)));
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ ...claim, state: "in_flight", createdAt: claim.now, expiresAt: claim.now + IDEMPOTENCY_TTL_MS })
    .onConflictDoNothing()
    .returning()
    .get();
  if (inserted) return undefined;
  return db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, claim.key)).get();
}

/** Marks the key's request handled, with the run it produced (a debounced start joins another run). */
export async function completeIdempotencyKey(db: Database, key: string, runId: string): Promise<void> {
  await db.update(idempotencyKeys).set({ state: "done", runId }).where(eq(idempotencyKeys.key, key));
}

/** The first request failed after claiming: no request is at work on the key, the next one finishes its run. */
export async function abandonIdempotencyKey(db: Database, key: string): Promise<void> {
  await db.update(idempotencyKeys).set({ state: "abandoned" }).where(eq(idempotencyKeys.key, key));
}

/** Frees a key whose first request failed before a run existed, so a retry may use it. */
export async function releaseIdempotencyKey(db: Database, key: string): Promise<void> {
  await db.delete(idempotencyKeys).where(eq(idempotencyKeys.key, key));
}

export async function pruneIdempotencyKeys(db: Database, now: number): Promise<void> {
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, now));
}
