// POST /hooks/{workflowId} (SPEC §4): verify the signature over the raw bytes, drop
// redeliveries by the provider's delivery id, map the request to the run input, and accept
// the start onto the queue (or start at once, under flow control).
import type { Definition, WebhookTrigger } from "../core/definition/schema";
import { evaluateExpression } from "../core/expr";
import { AppError, notFound } from "../api/problem";
import { database } from "../db/client";
import type { Database } from "../db/client";
import type { NewAuditEntry } from "../db/audit";
import { listAcceptedRun } from "../db/runs";
import { secretQuery } from "../db/secrets";
import { workflowQuery } from "../db/workflows";
import {
  claimDelivery,
  claimDeliveryAndList,
  releaseDelivery,
  settleDelivery,
  takeOverClaim,
  type DeliveryClaim,
  type EarlierClaim,
} from "../db/webhook-deliveries";
import { hasFlowControl } from "../core/flow-control";
import { runStub } from "../run/client";
import { newRunId } from "../run/ids";
import { acceptedIndexRow, sendStart, type StartMessage } from "./accepted-starts";
import { pinVersion, probableDefinition } from "./pinned-definitions";
import { assertValidInput, startRun, type PinnedWorkflow } from "./start-run";
import { parseWebhookBody } from "./webhook/parse-body";
import { verifyWebhook } from "./webhook/verify";
import { resolveWebhookSecret, webhookSecretFromRows, webhookSecretNames } from "./webhook-secret";

export interface WebhookDelivery {
  workflowId: string;
  rawBody: Uint8Array;
  headers: Headers;
  query: URLSearchParams;
  /** The request's audit entry as a 202: written in the claim's batch when the start is accepted onto the queue. */
  auditIfAccepted?: NewAuditEntry;
}

/** A run started (or found, for a redelivery), or a provider handshake answered without a run. */
export type WebhookOutcome =
  | { runId: string; duplicate: boolean; auditWritten?: true }
  | { handshake: Record<string, unknown> };

export async function acceptWebhook(env: Env, delivery: WebhookDelivery, now: number): Promise<WebhookOutcome> {
  const db = database(env.DB);
  // The secret of the definition this isolate saw last is read in one batch with the workflow's row.
  const guess = webhookTriggerOf(probableDefinition(delivery.workflowId))?.verify.secret;
  const [workflowRows, ...secretRows] = await db.batch([
    workflowQuery(db, delivery.workflowId),
    ...webhookSecretNames(guess).map((name) => secretQuery(db, name)),
  ]);
  const [{ workflow, pinned }, guessedSecret] = await Promise.all([
    pinVersion(db, workflowRows[0]),
    webhookSecretFromRows(
      env,
      guess,
      secretRows.map((rows) => rows[0]),
    ),
  ]);
  if (!workflow || !pinned || workflow.archivedAt !== null) throw notFound(`workflow ${delivery.workflowId}`);
  const trigger = webhookTrigger(pinned.definition);
  const secret =
    trigger.verify.secret === guess ? guessedSecret : await resolveWebhookSecret(env, trigger.verify.secret);
  const verdict = await verifyWebhook(delivery, trigger.verify, secret, now);
  if (!verdict.ok) throw new AppError("unauthorized", `webhook verification failed: ${verdict.reason}`);
  // Checked after verification, so only the sender learns that the workflow is disabled.
  if (!workflow.enabled) throw new AppError("workflow_disabled", `workflow ${delivery.workflowId} is disabled`);

  const body = parseWebhookBody(delivery.rawBody, delivery.headers.get("content-type"));
  const handshake = providerHandshake(verdict.scheme, delivery.headers, body);
  if (handshake) return { handshake };
  const request = { body, headers: Object.fromEntries(delivery.headers), query: Object.fromEntries(delivery.query) };
  const input = trigger.input === undefined ? body : await mapInput(trigger.input, request, now);
  const runTrigger = {
    type: "webhook" as const,
    scheme: verdict.scheme,
    ...(verdict.deliveryId ? { deliveryId: verdict.deliveryId } : {}),
  };
  const accepted = {
    workflowId: delivery.workflowId,
    pinned,
    input,
    trigger: runTrigger,
    now,
    audited: delivery.auditIfAccepted,
  };
  // Flow control decides at admission which run a trigger joins (debounce), so those start here and now.
  return hasFlowControl(pinned.definition) ? startAtOnce(env, db, accepted) : acceptOntoQueue(env, db, accepted);
}

interface AcceptedDelivery {
  workflowId: string;
  pinned: PinnedWorkflow;
  input: unknown;
  trigger: StartMessage["trigger"];
  now: number;
  audited?: NewAuditEntry;
}

/** Acknowledged once the start is on the queue and the delivery id claimed (accepted-starts.ts). */
async function acceptOntoQueue(env: Env, db: Database, delivery: AcceptedDelivery): Promise<WebhookOutcome> {
  assertValidInput(delivery.pinned.definition, delivery.input);
  const start: StartMessage = {
    type: "start",
    runId: newRunId(delivery.now),
    workflowId: delivery.workflowId,
    version: delivery.pinned.version,
    input: delivery.input,
    trigger: delivery.trigger,
    acceptedAt: delivery.now,
  };
  try {
    await sendStart(env, start);
  } catch (error) {
    console.error(`webhook for ${delivery.workflowId}: the start could not be queued`, error);
    throw new AppError("unavailable", "the delivery could not be accepted right now; try again", { retryAfter: 1 });
  }
  const deliveryId = delivery.trigger.deliveryId;
  const listed = acceptedIndexRow(start);
  // The request's audit entry (a 202, naming the run) goes in the same batch, written only if the run is this delivery's.
  const audited = delivery.audited ? { ...delivery.audited, runId: start.runId } : undefined;
  const accepted = { runId: start.runId, duplicate: false, ...(audited ? { auditWritten: true as const } : {}) };
  if (!deliveryId) {
    await listAcceptedRun(db, listed, audited);
    return accepted;
  }
  const claim = { workflowId: delivery.workflowId, deliveryId, runId: start.runId, now: delivery.now };
  const holder = await claimDeliveryAndList(db, claim, listed, audited);
  if (holder.runId === start.runId) return accepted;
  // Every queued claim has its start message, so a recent one is a run on its way; an old one
  // whose run never appeared was left by a handler that died before starting it.
  if (delivery.now - holder.createdAt < STALE_CLAIM_MS || (await runExists(env, holder.runId)))
    return { runId: holder.runId, duplicate: true };
  if (await takeOverClaim(db, { ...claim, staleRunId: holder.runId })) {
    await listAcceptedRun(db, listed, audited);
    return accepted;
  }
  throw new AppError("unavailable", "another delivery with this id is being handled; try again", { retryAfter: 1 });
}

/** Claims the delivery id, then starts the run before answering: a failed start frees the id again. */
async function startAtOnce(env: Env, db: Database, delivery: AcceptedDelivery): Promise<WebhookOutcome> {
  const runId = newRunId(delivery.now);
  const deliveryId = delivery.trigger.deliveryId;
  if (deliveryId) {
    const claim = { workflowId: delivery.workflowId, deliveryId, runId, now: delivery.now };
    const earlier = await claimDelivery(db, claim);
    if (earlier && (await runExists(env, earlier.runId))) return { runId: earlier.runId, duplicate: true };
    if (earlier && !(await takeOver(db, claim, earlier))) {
      throw new AppError("unavailable", "the first delivery with this id is still being handled; try again", {
        retryAfter: 1,
      });
    }
  }
  let run;
  try {
    run = await startRun(
      env,
      { workflowId: delivery.workflowId, input: delivery.input, trigger: delivery.trigger, runId },
      delivery.pinned,
    );
  } catch (error) {
    if (deliveryId) await releaseDelivery(db, delivery.workflowId, deliveryId);
    throw error;
  }
  if (deliveryId && run.id !== runId) await settleDelivery(db, delivery.workflowId, deliveryId, run.id);
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
async function takeOver(db: Database, claim: DeliveryClaim, earlier: EarlierClaim): Promise<boolean> {
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
    throw new AppError("validation_failed", "the trigger's input mapping failed on this request", {
      issues: [{ path: "input", message: (error as Error).message }],
    });
  }
}
