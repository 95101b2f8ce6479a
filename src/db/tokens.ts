// API token rows. Only hashes live here; the token itself is never stored.
import { and, asc, eq, isNull, lte, or, isNotNull } from "drizzle-orm";
import type { Database } from "./client";
import { apiTokens } from "./schema";

export type TokenRow = typeof apiTokens.$inferSelect;
export type NewTokenRow = Omit<typeof apiTokens.$inferInsert, "lastUsedAt" | "revokedAt">;

/** How often a token's last-used time is written, at most. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Inserts the token unless an active token has its name. An expired token gives its name
 * up: it is marked revoked as of its expiry first, in the same batch.
 */
export async function insertToken(db: Database, row: NewTokenRow, now: number): Promise<{ created: boolean }> {
  const retireExpired = db
    .update(apiTokens)
    .set({ revokedAt: apiTokens.expiresAt })
    .where(
      and(
        eq(apiTokens.name, row.name),
        isNull(apiTokens.revokedAt),
        isNotNull(apiTokens.expiresAt),
        lte(apiTokens.expiresAt, now),
      ),
    );
  const insert = db.insert(apiTokens).values(row).onConflictDoNothing().returning({ id: apiTokens.id });
  const [, inserted] = await db.batch([retireExpired, insert]);
  return { created: inserted.length > 0 };
}

/** The token with this hash unless revoked; the caller checks expiry against its clock. */
export async function findUnrevokedToken(db: Database, tokenHash: string): Promise<TokenRow | undefined> {
  return db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .get();
}

export async function listUnrevokedTokens(db: Database): Promise<TokenRow[]> {
  return db.select().from(apiTokens).where(isNull(apiTokens.revokedAt)).orderBy(asc(apiTokens.name)).all();
}

/** Revokes at once (every request reads the row); false when unknown or already revoked. */
export async function revokeToken(db: Database, id: string, now: number): Promise<boolean> {
  const revoked = await db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id })
    .all();
  return revoked.length > 0;
}

/** Records a use, unless one was recorded within the last minute (concurrent requests write once). */
export async function touchToken(db: Database, id: string, now: number): Promise<void> {
  await db
    .update(apiTokens)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiTokens.id, id),
        or(isNull(apiTokens.lastUsedAt), lte(apiTokens.lastUsedAt, now - LAST_USED_RESOLUTION_MS)),
      ),
    );
}

export function isTouchDue(row: Pick<TokenRow, "lastUsedAt">, now: number): boolean {
  return row.lastUsedAt === null || row.lastUsedAt <= now - LAST_USED_RESOLUTION_MS;
}
