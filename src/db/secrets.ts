// Encrypted secret rows. Plaintext never touches this module.
import { eq } from "drizzle-orm";
import type { Database } from "./client";
import { secrets } from "./schema";

export type SecretRow = typeof secrets.$inferSelect;

export async function findSecret(db: Database, name: string): Promise<SecretRow | undefined> {
  return db.select().from(secrets).where(eq(secrets.name, name)).get();
}

export async function listSecretNames(db: Database): Promise<Pick<SecretRow, "name" | "createdAt" | "updatedAt">[]> {
  return db.select({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt }).from(secrets).orderBy(secrets.name).all();
}

export async function putSecret(db: Database, row: SecretRow): Promise<{ created: boolean }> {
  const existing = await findSecret(db, row.name);
  const { name: _name, createdAt: _createdAt, ...changes } = row;
  await db.insert(secrets).values(row).onConflictDoUpdate({ target: secrets.name, set: changes });
  return { created: !existing };
}

export async function deleteSecret(db: Database, name: string): Promise<boolean> {
  const deleted = await db.delete(secrets).where(eq(secrets.name, name)).returning({ name: secrets.name }).all();
  return deleted.length > 0;
}
