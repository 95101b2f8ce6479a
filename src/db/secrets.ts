// Encrypted secret rows. Plaintext never touches this module.
import { and, eq } from "drizzle-orm";
import type { Database } from "./client";
import { secrets } from "./schema";

export type SecretRow = typeof secrets.$inferSelect;

export async function findSecret(db: Database, name: string): Promise<SecretRow | undefined> {
  return secretQuery(db, name).get();
}

/** The read of one secret's row, as a statement a batch can carry (an array of at most one row). */
function secretQuery(db: Database, name: string) {
  return db.select().from(secrets).where(eq(secrets.name, name)).limit(1);
}

export async function listSecretNames(db: Database): Promise<Pick<SecretRow, "name" | "createdAt" | "updatedAt">[]> {
  return db
    .select({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt })
    .from(secrets)
    .orderBy(secrets.name)
    .all();
}

/** Creates or replaces a secret, as a statement a batch can carry (the route's audit entry's). */
export function secretUpsert(db: Database, row: SecretRow) {
  const { name: _name, createdAt: _createdAt, ...changes } = row;
  return db.insert(secrets).values(row).onConflictDoUpdate({ target: secrets.name, set: changes });
}

/** Deletes a secret, as a statement a batch can carry. */
export function secretDelete(db: Database, name: string) {
  return db.delete(secrets).where(eq(secrets.name, name));
}

/** Every sealed row, for a key rotation (values stay encrypted here). */
export async function listSealedSecrets(
  db: Database,
): Promise<Pick<SecretRow, "name" | "ciphertext" | "iv" | "keyId">[]> {
  return db
    .select({ name: secrets.name, ciphertext: secrets.ciphertext, iv: secrets.iv, keyId: secrets.keyId })
    .from(secrets)
    .orderBy(secrets.name)
    .all();
}

/**
 * Replaces a value's sealing only if it is still sealed under `fromKeyId`, so a value
 * written meanwhile (already under the current key) is never overwritten with an old one.
 * The dates stay: the value is the same, only its sealing changed.
 */
export async function resealSecret(
  db: Database,
  name: string,
  fromKeyId: string,
  sealed: Pick<SecretRow, "ciphertext" | "iv" | "keyId">,
): Promise<boolean> {
  const updated = await db
    .update(secrets)
    .set(sealed)
    .where(and(eq(secrets.name, name), eq(secrets.keyId, fromKeyId)))
    .returning({ name: secrets.name })
    .all();
  return updated.length > 0;
}
