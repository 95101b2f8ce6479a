// Delivery ids of accepted webhooks: the first delivery claims its id for its run, for
// good (no takeover); a redelivery within 24 h finds the claim and that run.
import { and, eq, getTableColumns, lt, sql, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { NewAuditEntry } from "./audit";
import type { Database } from "./client";
import type { RunIndexRow } from "./runs";
import { auditLog, runs, webhookDeliveries } from "./schema";

const DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;

export interface EarlierClaim {
  runId: string;
  createdAt: number;
}

export interface DeliveryClaim {
  workflowId: string;
  deliveryId: string;
  runId: string;
  now: number;
}

/**
 * Claims a delivery id for `runId` in one round trip (an expired claim is dropped first);
 * returns the earlier claim when there is one.
 */
export async function claimDelivery(db: Database, claim: DeliveryClaim): Promise<EarlierClaim | undefined> {
  const [, , holder] = await db.batch(claimStatements(db, claim));
  const current = holder[0]!;
  return current.runId === claim.runId ? undefined : current;
}

/**
 * Claims a delivery id for an accepted run and, only when the claim is that run's, lists the
 * run and writes the request's audit entry: one round trip. Returns whichever claim holds the
 * id now (the run's own, or an earlier one).
 */
export async function claimDeliveryAndList(
  db: Database,
  claim: DeliveryClaim,
  listed: RunIndexRow,
  audited?: NewAuditEntry,
): Promise<EarlierClaim> {
  const claimedByRun = sql`EXISTS (SELECT 1 FROM ${webhookDeliveries} WHERE ${and(claimKey(claim), eq(webhookDeliveries.runId, claim.runId))})`;
  const [, , holder] = await db.batch([
    ...claimStatements(db, claim),
    db
      .insert(runs)
      .select(rowWhere(runs, listed, claimedByRun))
      .onConflictDoNothing(),
    ...(audited
      ? [
          db
            .insert(auditLog)
            .select(rowWhere(auditLog, audited, claimedByRun))
            .onConflictDoNothing(),
        ]
      : []),
  ]);
  return holder[0]!;
}

function claimKey(claim: DeliveryClaim) {
  return and(eq(webhookDeliveries.workflowId, claim.workflowId), eq(webhookDeliveries.deliveryId, claim.deliveryId));
}

/** Drop an expired claim, insert this one unless one holds the id, read the one that holds it. */
function claimStatements(db: Database, claim: DeliveryClaim) {
  return [
    db.delete(webhookDeliveries).where(and(claimKey(claim), lt(webhookDeliveries.expiresAt, claim.now))),
    db
      .insert(webhookDeliveries)
      .values({
        workflowId: claim.workflowId,
        deliveryId: claim.deliveryId,
        runId: claim.runId,
        createdAt: claim.now,
        expiresAt: claim.now + DELIVERY_TTL_MS,
      })
      .onConflictDoNothing(),
    db
      .select({ runId: webhookDeliveries.runId, createdAt: webhookDeliveries.createdAt })
      .from(webhookDeliveries)
      .where(claimKey(claim)),
  ] as const;
}

/** `SELECT <row's values, in the table's column order> WHERE <condition>`: what an INSERT … SELECT of `row` needs. */
function rowWhere<T extends SQLiteTable>(table: T, row: Record<string, unknown>, condition: SQL): SQL {
  const values = Object.keys(getTableColumns(table)).map((column) => sql`${row[column] ?? null}`);
  return sql`SELECT ${sql.join(values, sql`, `)} WHERE ${condition}`;
}

/** Points a claim at the run its delivery joined (a debounced trigger joins a pending run). */
export async function settleDelivery(
  db: Database,
  workflowId: string,
  deliveryId: string,
  runId: string,
): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ runId })
    .where(and(eq(webhookDeliveries.workflowId, workflowId), eq(webhookDeliveries.deliveryId, deliveryId)));
}

/** Frees a claim whose run could not be started, so the provider's retry is accepted. */
export async function releaseDelivery(db: Database, workflowId: string, deliveryId: string): Promise<void> {
  await db
    .delete(webhookDeliveries)
    .where(and(eq(webhookDeliveries.workflowId, workflowId), eq(webhookDeliveries.deliveryId, deliveryId)));
}

export async function pruneDeliveries(db: Database, now: number): Promise<void> {
  await db.delete(webhookDeliveries).where(lt(webhookDeliveries.expiresAt, now));
}
