// API token rows. Only hashes live here; the token itself is never stored.
import { and, asc, eq, gt, isNull, lte, or, isNotNull } from "drizzle-orm";
import type { Database } from "./client";
import { apiTokens } from "./schema";

export type TokenRow = typeof apiTokens.$inferSelect;
export type NewTokenRow = Omit<typeof apiTokens.$inferInsert, "lastUsedAt" | "revokedAt">;

/** How often a token's last-used time is written, at most. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The statements that issue a token, for a batch (the route's audit entry's). An expired
 * token gives its name up: it is marked revoked as of its expiry first. While another
 * active token has the name, the insert fails on the index of active names (see
 * isActiveNameTaken), and the batch with it.
 */
export function tokenInsert(db: Database, row: NewTokenRow, now: number) {
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
  return [retireExpired, db.insert(apiTokens).values(row)] as const;
}

/** The active (unrevoked, unexpired) token with this name, if any. */
export async function findActiveTokenByName(db: Database, name: string, now: number): Promise<TokenRow | undefined> {
  return db
    .select()
    .from(apiTokens)
    .where(
      and(
        eq(apiTokens.name, name),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
      ),
    )
    .get();
}

/** Whether a write failed because an active token already has the name (a concurrent create). */
export function isActiveNameTaken(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++)
    if (/UNIQUE constraint failed: api_tokens\.name/.test(cause.message)) return true;
  return false;
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

/** The token with this id unless revoked. */
export async function findUnrevokedTokenById(db: Database, id: string): Promise<TokenRow | undefined> {
  return db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .get();
}

/** Revokes at once (every request reads the row), as a statement a batch can carry. */
export function tokenRevoke(db: Database, id: string, now: number) {
  return db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
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
