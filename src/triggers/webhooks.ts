// POST /hooks/{workflowId} (docs/webhooks.md): verify the signature over the raw bytes, drop
// redeliveries by the provider's delivery id, map the request to the run input, and accept
// the run into its Durable Object (or start it at once, under flow control).
import type { Definition, WebhookTrigger } from "../core/definition/schema";
import { evaluateExpression } from "../core/expr";
import { AppError, notFound } from "../core/problem";
import { database } from "../db/client";
import type { Database } from "../db/client";
import type { NewAuditEntry } from "../db/audit";
import { listAcceptedRun, type RunIndexRow } from "../db/runs";
import { secretQuery } from "../db/secrets";
import { workflowQuery } from "../db/workflows";
import { claimDelivery, claimDeliveryAndList, releaseDelivery, settleDelivery } from "../db/webhook-deliveries";
import { hasFlowControl } from "../core/flow-control";
import { runStub } from "../durable/run-stub";
import type { StartCommand } from "../durable/run-commands";
import { newRunId } from "../run/ids";
import { pinVersion, probableDefinition } from "../run/pinned-definitions";
import { assertValidInput, startRun, type PinnedWorkflow, type StartedRun } from "../run/start-run";
import { parseWebhookBody } from "./webhook/parse-body";
import { verifyWebhook } from "./webhook/verify";
import { resolveWebhookSecret, webhookSecretFromRows, webhookSecretNames } from "./webhook-secret";

export interface WebhookDelivery {
  workflowId: string;
  rawBody: Uint8Array;
  headers: Headers;
  query: URLSearchParams;
  /** The request's audit entry as a 202: written in the claim's batch, naming the run. */
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
  return hasFlowControl(pinned.definition) ? startAtOnce(env, db, accepted) : acceptIntoRun(env, db, accepted);
}

interface AcceptedDelivery {
  workflowId: string;
  pinned: PinnedWorkflow;
  input: unknown;
  trigger: StartCommand["trigger"] & { deliveryId?: string };
  now: number;
  audited?: NewAuditEntry;
}

/**
 * Acknowledged once the run is durable in its own Durable Object (created there, to start
 * from its alarm), never on the strength of a queue message. The delivery id's claim in
 * D1 is the one writer of delivery → run: the first delivery's claim names the run, every
 * redelivery finds it and makes sure that run exists (creating a run is idempotent), so a
 * first delivery that died between the claim and the run is finished by the next one.
 */
async function acceptIntoRun(env: Env, db: Database, delivery: AcceptedDelivery): Promise<WebhookOutcome> {
  assertValidInput(delivery.pinned.definition, delivery.input);
  const runId = newRunId(delivery.now);
  const listed = acceptedIndexRow(delivery, runId);
  // The request's audit entry (a 202, naming the run) goes with the listing.
  const audited = delivery.audited ? { ...delivery.audited, runId } : undefined;
  const deliveryId = delivery.trigger.deliveryId;
  if (!deliveryId) {
    await acceptRun(env, startCommand(delivery, runId, delivery.now));
    // The run's own outbox lists it too; only the request's entry is left to the audit trail then.
    const written = await listAcceptedRun(db, listed, audited).then(
      () => true,
      (error: unknown) => (console.error(`webhook run ${runId}: listing failed; its outbox lists it`, error), false),
    );
    return { runId, duplicate: false, ...(written && audited ? { auditWritten: true as const } : {}) };
  }
  const claim = { workflowId: delivery.workflowId, deliveryId, runId, now: delivery.now };
  const holder = await claimDeliveryAndList(db, claim, listed, audited);
  await acceptRun(env, startCommand(delivery, holder.runId, holder.createdAt));
  if (holder.runId !== runId) return { runId: holder.runId, duplicate: true };
  return { runId, duplicate: false, ...(audited ? { auditWritten: true as const } : {}) };
}

/** Creates the run in its object if it is not there yet; it starts from its alarm, right after. */
async function acceptRun(env: Env, command: StartCommand): Promise<void> {
  try {
    await runStub(env, command.runId).accept(command);
  } catch (error) {
    console.error(`webhook run ${command.runId} of ${command.workflow} could not be created`, error);
    throw new AppError("unavailable", "the delivery could not be accepted right now; try again", { retryAfter: 1 });
  }
}

function startCommand(delivery: AcceptedDelivery, runId: string, acceptedAt: number): StartCommand {
  return {
    runId,
    workflow: delivery.workflowId,
    version: delivery.pinned.version,
    definition: delivery.pinned.definition,
    input: delivery.input,
    trigger: delivery.trigger,
    createdAt: acceptedAt,
  };
}

/** The index row of an accepted run: queued, so lists show it at once. */
function acceptedIndexRow(delivery: AcceptedDelivery, runId: string): RunIndexRow {
  return {
    id: runId,
    workflowId: delivery.workflowId,
    version: delivery.pinned.version,
    status: "queued",
    triggerType: "webhook",
    errorCode: null,
    rerunOf: null,
    createdAt: delivery.now,
    startedAt: null,
    finishedAt: null,
    updatedAt: delivery.now,
    retries: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: null,
  };
}

/**
 * Flow control decides at admission which run a trigger joins, so these start before the
 * answer. The claim names the run as above; admission is idempotent per run id, so a
 * redelivery finishes what a first delivery left. A refusal that started nothing (a 4xx)
 * frees the delivery id; any other failure keeps it for the provider's retry.
 */
async function startAtOnce(env: Env, db: Database, delivery: AcceptedDelivery): Promise<WebhookOutcome> {
  const ownRunId = newRunId(delivery.now);
  const deliveryId = delivery.trigger.deliveryId;
  const earlier = deliveryId
    ? await claimDelivery(db, { workflowId: delivery.workflowId, deliveryId, runId: ownRunId, now: delivery.now })
    : undefined;
  const runId = earlier?.runId ?? ownRunId;
  let run: StartedRun;
  try {
    run = await startRun(
      env,
      { workflowId: delivery.workflowId, input: delivery.input, trigger: delivery.trigger, runId },
      delivery.pinned,
    );
  } catch (error) {
    if (deliveryId && runId === ownRunId && error instanceof AppError && error.status < 500)
      await releaseDelivery(db, delivery.workflowId, deliveryId);
    throw error;
  }
  // A debounced trigger joins a pending run: the delivery id names that one from now on.
  if (deliveryId && run.id !== runId) await settleDelivery(db, delivery.workflowId, deliveryId, run.id);
  return { runId: run.id, duplicate: runId !== ownRunId };
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
