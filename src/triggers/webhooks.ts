// POST /hooks/{workflowId} (docs/webhooks.md): verify the signature over the raw bytes, drop
// redeliveries by the provider's delivery id, map the request to the run input, and accept
// the run into its Durable Object (or start it at once, under flow control).
import type { Definition, WebhookTrigger } from "../core/definition/schema";
import { evaluateExpression } from "../core/expr";
import { AppError, notFound } from "../core/problem";
import { database } from "../db/client";
import type { NewAuditEntry } from "../db/audit";
import { hasFlowControl } from "../core/flow-control";
import { runStub } from "../durable/run-stub";
import type { StartCommand } from "../durable/run-commands";
import { intakeOfKey, type PendingStart } from "../durable/intake-stub";
import { newRunId } from "../run/ids";
import { loadPinnedWorkflow } from "../run/pinned-definitions";
import { assertValidInput, startRun, type PinnedWorkflow, type StartedRun } from "../run/start-run";
import { parseWebhookBody } from "./webhook/parse-body";
import { verifyWebhook } from "./webhook/verify";
import { recentWebhookSecret } from "./webhook-secret";

export interface WebhookDelivery {
  workflowId: string;
  rawBody: Uint8Array;
  headers: Headers;
  query: URLSearchParams;
  /** The request's audit entry as a 202: written by the run it starts, naming it. */
  auditIfAccepted?: NewAuditEntry;
}

/** A run started (or found, for a redelivery), or a provider handshake answered without a run. */
export type WebhookOutcome =
  | { runId: string; duplicate: boolean; auditWritten?: true }
  | { handshake: Record<string, unknown> };

export async function acceptWebhook(env: Env, delivery: WebhookDelivery, now: number): Promise<WebhookOutcome> {
  // Both are recent reads (db/recent-reads.ts): a burst of deliveries costs one D1 read each, not one per delivery.
  const { workflow, pinned } = await loadPinnedWorkflow(database(env.DB), delivery.workflowId);
  if (!workflow || !pinned || workflow.archivedAt !== null) throw notFound(`workflow ${delivery.workflowId}`);
  const trigger = webhookTrigger(pinned.definition);
  const secret = await recentWebhookSecret(env, trigger.verify.secret);
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
  return hasFlowControl(pinned.definition) ? startAtOnce(env, accepted) : acceptIntoRun(env, accepted);
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
 * Acknowledged on one durable write: the delivery id's claim in its intake shard, which holds
 * the run's start until the run exists (created right behind the answer, by the shard's alarm
 * after a crash). The claim is the one writer of delivery → run: a redelivery finds it and
 * gets the first delivery's run. The run's outbox lists it and writes the request's audit
 * entry. Without a delivery id there is nothing to dedupe by: the run is created before the answer.
 */
async function acceptIntoRun(env: Env, delivery: AcceptedDelivery): Promise<WebhookOutcome> {
  assertValidInput(delivery.pinned.definition, delivery.input);
  const start = pendingStart(delivery);
  const deliveryId = delivery.trigger.deliveryId;
  try {
    if (deliveryId) {
      const key = deliveryKey(delivery.workflowId, deliveryId);
      const admission = await intakeOfKey(env, key).admit({ key, start });
      return { ...admission, ...(admission.duplicate ? {} : auditWritten(delivery)) };
    }
    const runId = newRunId(delivery.now);
    await runStub(env, runId).accept({ ...start, runId, createdAt: delivery.now });
    return { runId, duplicate: false, ...auditWritten(delivery) };
  } catch (error) {
    console.error(`webhook of ${delivery.workflowId} could not be accepted`, error);
    throw new AppError("unavailable", "the delivery could not be accepted right now; try again", { retryAfter: 1 });
  }
}

function deliveryKey(workflowId: string, deliveryId: string): string {
  return `hook:${workflowId}:${deliveryId}`;
}

function auditWritten(delivery: AcceptedDelivery): { auditWritten?: true } {
  return delivery.audited ? { auditWritten: true } : {};
}

/** The run's start; its audit entry names the run, which the intake shard (or the caller) chooses. */
function pendingStart(delivery: AcceptedDelivery): PendingStart {
  return {
    workflow: delivery.workflowId,
    version: delivery.pinned.version,
    definition: delivery.pinned.definition,
    input: delivery.input,
    trigger: delivery.trigger,
    ...(delivery.audited ? { auditEntries: [delivery.audited] } : {}),
  };
}

/**
 * Flow control decides at admission which run a trigger joins, so these start before the
 * answer. The claim names the run as above; admission is idempotent per run id, so a
 * redelivery finishes what a first delivery left. A refusal that started nothing (a 4xx)
 * frees the delivery id; any other failure keeps it for the provider's retry.
 */
async function startAtOnce(env: Env, delivery: AcceptedDelivery): Promise<WebhookOutcome> {
  const deliveryId = delivery.trigger.deliveryId;
  if (!deliveryId) return { runId: (await startGated(env, delivery, newRunId(delivery.now))).id, duplicate: false };
  const key = deliveryKey(delivery.workflowId, deliveryId);
  const intake = intakeOfKey(env, key);
  const claim = await intake.claim({ key });
  let run: StartedRun;
  try {
    run = await startGated(env, delivery, claim.runId);
  } catch (error) {
    if (!claim.held) {
      const undo = error instanceof AppError && error.status < 500 ? intake.release(key) : intake.abandon(key);
      // The start's own error is the answer; a claim left in flight is finished by the retry anyway.
      await undo.catch((cleanup: unknown) => console.error(`webhook claim ${key} could not be undone`, cleanup));
    }
    throw error;
  }
  // A debounced trigger joins a pending run: the delivery id names that one from now on.
  if (!claim.held || run.id !== claim.runId) await intake.settle(key, run.id);
  return { runId: run.id, duplicate: claim.held };
}

function startGated(env: Env, delivery: AcceptedDelivery, runId: string): Promise<StartedRun> {
  const { workflowId, input, trigger, pinned } = delivery;
  return startRun(env, { workflowId, input, trigger, runId }, pinned);
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
