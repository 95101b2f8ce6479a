// POST /hooks/{workflowId} (SPEC §4): verify the signature over the raw bytes, drop
// redeliveries by the provider's delivery id, map the request to the run input, start.
import type { Definition, WebhookTrigger } from "../core/definition/schema";
import { evaluateExpression } from "../core/expr";
import { AppError, notFound } from "../api/problem";
import { database } from "../db/client";
import type { Database } from "../db/client";
import { claimDelivery, releaseDelivery, settleDelivery, takeOverClaim, type EarlierClaim } from "../db/webhook-deliveries";
import { runStub } from "../run/client";
import { newRunId } from "../run/ids";
import { loadPinnedWorkflow, probableDefinition } from "./pinned-definitions";
import { startRun } from "./start-run";
import { parseWebhookBody } from "./webhook/parse-body";
import { verifyWebhook } from "./webhook/verify";
import { resolveWebhookSecret } from "./webhook-secret";

export interface WebhookDelivery {
  workflowId: string;
  rawBody: Uint8Array;
  headers: Headers;
  query: URLSearchParams;
}

/** A run started (or found, for a redelivery), or a provider handshake answered without a run. */
export type WebhookOutcome = { runId: string; duplicate: boolean } | { handshake: Record<string, unknown> };

export async function acceptWebhook(env: Env, delivery: WebhookDelivery, now: number): Promise<WebhookOutcome> {
  const db = database(env.DB);
  // The secret of the definition this isolate saw last is read alongside the workflow's row.
  const guess = webhookTriggerOf(probableDefinition(delivery.workflowId))?.verify.secret;
  const [{ workflow, pinned }, guessedSecret] = await Promise.all([loadPinnedWorkflow(db, delivery.workflowId), resolveWebhookSecret(env, guess)]);
  if (!workflow || !pinned || workflow.archivedAt !== null) throw notFound(`workflow ${delivery.workflowId}`);
  const trigger = webhookTrigger(pinned.definition);
  const secret = trigger.verify.secret === guess ? guessedSecret : await resolveWebhookSecret(env, trigger.verify.secret);
  const verdict = await verifyWebhook(delivery, trigger.verify, secret, now);
  if (!verdict.ok) throw new AppError("unauthorized", `webhook verification failed: ${verdict.reason}`);
  // Checked after verification, so only the sender learns that the workflow is disabled.
  if (!workflow.enabled) throw new AppError("workflow_disabled", `workflow ${delivery.workflowId} is disabled`);

  const body = parseWebhookBody(delivery.rawBody, delivery.headers.get("content-type"));
  const handshake = providerHandshake(verdict.scheme, delivery.headers, body);
  if (handshake) return { handshake };
  const request = { body, headers: Object.fromEntries(delivery.headers), query: Object.fromEntries(delivery.query) };
  const input = trigger.input === undefined ? body : await mapInput(trigger.input, request, now);
  const runId = newRunId(now);
  if (verdict.deliveryId) {
    const claim = { workflowId: delivery.workflowId, deliveryId: verdict.deliveryId, runId, now };
    const earlier = await claimDelivery(db, claim);
    if (earlier && (await runExists(env, earlier.runId))) return { runId: earlier.runId, duplicate: true };
    if (earlier && !(await takeOver(db, claim, earlier))) {
      throw new AppError("unavailable", "the first delivery with this id is still being handled; try again", { retryAfter: 1 });
    }
  }
  const runTrigger = { type: "webhook" as const, scheme: verdict.scheme, ...(verdict.deliveryId ? { deliveryId: verdict.deliveryId } : {}) };
  let run;
  try {
    run = await startRun(env, { workflowId: delivery.workflowId, input, trigger: runTrigger, runId, startSoon: true }, pinned);
  } catch (error) {
    if (verdict.deliveryId) await releaseDelivery(db, delivery.workflowId, verdict.deliveryId);
    throw error;
  }
  if (verdict.deliveryId && run.id !== runId) await settleDelivery(db, delivery.workflowId, verdict.deliveryId, run.id);
  return { runId: run.id, duplicate: false };
}

/** How long a claim without its run may be the first delivery still at work, before a redelivery takes it over. */
export const STALE_CLAIM_MS = 30_000;

async function runExists(env: Env, runId: string): Promise<boolean> {
  return (await runStub(env, runId).getRun()) !== null;
}

/**
 * A redelivery names the run of the first delivery, once that run exists. While the first
 * delivery may still be at work, the sender is asked to try again (503) rather than told
 * about a run that may never exist; a claim older than STALE_CLAIM_MS whose run never
 * appeared belonged to a handler that died, and this delivery takes it over.
 */
async function takeOver(db: Database, claim: { workflowId: string; deliveryId: string; runId: string; now: number }, earlier: EarlierClaim): Promise<boolean> {
  if (claim.now - earlier.createdAt < STALE_CLAIM_MS) return false;
  return takeOverClaim(db, { ...claim, staleRunId: earlier.runId });
}

/**
 * Verified set-up requests that must be answered, not run: Slack's Event Subscriptions
 * check (echo the challenge) and GitHub's ping when a hook is created.
 */
function providerHandshake(scheme: string, headers: Headers, body: unknown): Record<string, unknown> | null {
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  if (scheme === "slack" && fields.type === "url_verification") return { challenge: fields.challenge };
  if (scheme === "github" && headers.get("x-github-event") === "ping") return { ok: true, zen: fields.zen ?? null };
  return null;
}

function webhookTrigger(definition: Definition): WebhookTrigger {
  const trigger = webhookTriggerOf(definition);
  if (!trigger) throw notFound(`a webhook trigger on workflow ${definition.id}`);
  return trigger;
}

function webhookTriggerOf(definition: Definition | undefined): WebhookTrigger | undefined {
  return definition?.triggers.find((candidate): candidate is WebhookTrigger => candidate.type === "webhook");
}

async function mapInput(expression: string, request: unknown, now: number): Promise<unknown> {
  try {
    return await evaluateExpression(expression, request, { now });
  } catch (error) {
    throw new AppError("validation_failed", "the trigger's input mapping failed on this request", { issues: [{ path: "input", message: (error as Error).message }] });
  }
}
