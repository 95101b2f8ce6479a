// Delivery ids of accepted webhooks: the first delivery claims its id, a redelivery
// within 24 h finds the claim and starts nothing.
import { and, eq, lt } from "drizzle-orm";
import type { Database } from "./client";
import { webhookDeliveries } from "./schema";

export const DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;

/** Claims a delivery id for `runId`; returns the run id of an earlier claim when there is one. */
export async function claimDelivery(db: Database, claim: { workflowId: string; deliveryId: string; runId: string; now: number }): Promise<string | undefined> {
  const key = and(eq(webhookDeliveries.workflowId, claim.workflowId), eq(webhookDeliveries.deliveryId, claim.deliveryId));
  await db.delete(webhookDeliveries).where(and(key, lt(webhookDeliveries.expiresAt, claim.now)));
  const inserted = await db
    .insert(webhookDeliveries)
    .values({ workflowId: claim.workflowId, deliveryId: claim.deliveryId, runId: claim.runId, createdAt: claim.now, expiresAt: claim.now + DELIVERY_TTL_MS })
    .onConflictDoNothing()
    .returning()
    .get();
  if (inserted) return undefined;
  return (await db.select({ runId: webhookDeliveries.runId }).from(webhookDeliveries).where(key).get())?.runId;
}

/** Points a claim at the run its delivery joined (a debounced trigger joins a pending run). */
export async function settleDelivery(db: Database, workflowId: string, deliveryId: string, runId: string): Promise<void> {
  await db.update(webhookDeliveries).set({ runId }).where(and(eq(webhookDeliveries.workflowId, workflowId), eq(webhookDeliveries.deliveryId, deliveryId)));
}

/** Frees a claim whose run could not be started, so the provider's retry is accepted. */
export async function releaseDelivery(db: Database, workflowId: string, deliveryId: string): Promise<void> {
  await db.delete(webhookDeliveries).where(and(eq(webhookDeliveries.workflowId, workflowId), eq(webhookDeliveries.deliveryId, deliveryId)));
}

export async function pruneDeliveries(db: Database, now: number): Promise<void> {
  await db.delete(webhookDeliveries).where(lt(webhookDeliveries.expiresAt, now));
}
