// A webhook delivery is acknowledged once its start is durable on the queue, not once its
// run exists (SPEC §4: "answers 202 {runId} fast: the run proceeds after the response").
// The edge verifies, checks the input, sends a `start` message, then claims the delivery id,
// lists the run as queued and writes the request's audit entry in one D1 batch; the task
// consumer then creates and starts the run. Creating a
// Durable Object per delivery is the costliest part of a start, so a burst of deliveries
// no longer waits on it.
//
// The message goes out before the claim, so every claim has its message: a handler that
// dies after sending leaves a message whose consumer claims the id itself, and a
// redelivery's message finds the first delivery's claim and is dropped.
import { z } from "zod";
import { createRunState } from "../core/engine";
import { database } from "../db/client";
import { failAcceptedRunIndex, findRunIndexRow, unlistAcceptedRun, type RunIndexRow } from "../db/runs";
import { claimDeliveries, type EarlierClaim } from "../db/webhook-deliveries";
import { offload, restore } from "../run/blobs";
import { toRunView, type RunView } from "../run/view";
import { loadVersion } from "./pinned-definitions";
import { startRun } from "./start-run";

export const startMessageSchema = z.object({
  type: z.literal("start"),
  runId: z.string().min(1),
  workflowId: z.string().min(1),
  version: z.int().min(1),
  /** The run input, or a `{ $blob }` reference to it in R2 when over 64 KiB. */
  input: z.unknown(),
  trigger: z.looseObject({ type: z.literal("webhook"), scheme: z.string(), deliveryId: z.string().optional() }),
  /** When the edge accepted the start (epoch ms): the run's createdAt. */
  acceptedAt: z.int(),
});

export type StartMessage = z.infer<typeof startMessageSchema>;

export function isStartMessage(body: unknown): boolean {
  return typeof body === "object" && body !== null && (body as { type?: unknown }).type === "start";
}

/** Puts the start on the queue; a large input travels through R2 (queue messages are capped at 128 KB). */
export async function sendStart(env: Env, start: StartMessage): Promise<void> {
  const input = await offload(env.BLOBS, `runs/${start.runId}/accepted-input.json`, start.input);
  await env.TASKS.send({ ...start, input }, { contentType: "json" });
}

/** The index row of a run accepted but not created yet: queued, so lists show it at once. */
export function acceptedIndexRow(start: StartMessage): RunIndexRow {
  return {
    id: start.runId,
    workflowId: start.workflowId,
    version: start.version,
    status: "queued",
    triggerType: start.trigger.type,
    errorCode: null,
    rerunOf: null,
    createdAt: start.acceptedAt,
    startedAt: null,
    finishedAt: null,
    updatedAt: start.acceptedAt,
    retries: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: null,
  };
}

/**
 * The consumer's half, for the starts of one message batch: their delivery ids are claimed
 * in one D1 round trip, then each run is created and started unless another delivery holds
 * its id. Starting is idempotent (one object per run id), so a redelivered message finds
 * the run already there. A failure is redelivered with backoff, then dead-lettered.
 */
export async function carryOutStarts(messages: readonly Message<unknown>[], env: Env): Promise<void> {
  const starts: { message: Message<unknown>; start: StartMessage }[] = [];
  for (const message of messages) {
    const parsed = startMessageSchema.safeParse(message.body);
    if (parsed.success) starts.push({ message, start: parsed.data });
    else {
      console.error("dropping malformed start message", parsed.error.issues);
      message.ack();
    }
  }
  const claimed = starts.filter(({ start }) => start.trigger.deliveryId !== undefined);
  const holders = await claimAll(env, claimed);
  await Promise.all(
    starts.map(async ({ message, start }) => {
      if (start.trigger.deliveryId !== undefined) {
        const holder = holders?.get(start.runId);
        if (!holder) return; // the claims failed: redelivered
        // A redelivery's own message: the first delivery's run is the one.
        if (holder.runId !== start.runId) return dropStart(message, start, holder, env);
      }
      await carryOutStart(message, start, env);
    }),
  );
}

/** The claim holding each start's delivery id, by run id; undefined (each message redelivered) when D1 fails. */
async function claimAll(
  env: Env,
  claimed: { message: Message<unknown>; start: StartMessage }[],
): Promise<Map<string, EarlierClaim> | undefined> {
  try {
    const claims = claimed.map(({ start }) => ({
      workflowId: start.workflowId,
      deliveryId: start.trigger.deliveryId!,
      runId: start.runId,
      now: Date.now(),
    }));
    const holders = await claimDeliveries(database(env.DB), claims);
    return new Map(claimed.map(({ start }, i) => [start.runId, holders[i]!]));
  } catch (error) {
    console.error(`could not claim the delivery ids of ${claimed.length} accepted starts; redelivering them`, error);
    for (const { message } of claimed) redeliver(message);
    return undefined;
  }
}

/**
 * A claim taken after this start was accepted means a later delivery took it over (this one
 * looked dead): its listing goes too. An earlier claim is the usual redelivery: nothing was listed.
 */
async function dropStart(
  message: Message<unknown>,
  start: StartMessage,
  holder: EarlierClaim,
  env: Env,
): Promise<void> {
  try {
    if (holder.createdAt > start.acceptedAt) await unlistAcceptedRun(database(env.DB), start.runId);
    message.ack();
  } catch (error) {
    console.error(`could not take back the listing of superseded start ${start.runId}; redelivering`, error);
    redeliver(message);
  }
}

async function carryOutStart(message: Message<unknown>, start: StartMessage, env: Env): Promise<void> {
  try {
    const db = database(env.DB);
    const definition = await loadVersion(db, start.workflowId, start.version);
    if (!definition) {
      console.error(
        `start of ${start.runId}: version ${start.version} of workflow ${start.workflowId} no longer exists; dropping it`,
      );
      await failAcceptedRunIndex(db, start.runId, "workflow_not_found", Date.now());
      return message.ack();
    }
    const input = await restore(env.BLOBS, start.input);
    // No index insert of its own: the edge listed the run, and the run's outbox brings the row up to date.
    const listWith = () => undefined;
    await startRun(
      env,
      {
        workflowId: start.workflowId,
        input,
        trigger: start.trigger,
        runId: start.runId,
        acceptedAt: start.acceptedAt,
        listWith,
      },
      { version: start.version, definition },
    );
    message.ack();
  } catch (error) {
    console.error(`could not start accepted run ${start.runId}; redelivering`, error);
    redeliver(message);
  }
}

function redeliver(message: Message<unknown>): void {
  message.retry({ delaySeconds: Math.min(2 ** message.attempts, 60) });
}

/** A start that exhausted its deliveries: its listed run fails with `delivery_failed` instead of staying queued forever. */
export async function failUndeliveredStart(message: Message<unknown>, env: Env): Promise<void> {
  const parsed = startMessageSchema.safeParse(message.body);
  if (parsed.success) {
    console.error(`start of ${parsed.data.runId} failed after ${message.attempts} deliveries`);
    await failAcceptedRunIndex(database(env.DB), parsed.data.runId, "delivery_failed", Date.now());
  }
  message.ack();
}

/**
 * A run the index lists but whose object holds nothing: accepted and on its way (queued),
 * or a start that could not be carried out (failed). Its steps are all pending; its input
 * travels in the start message, so it reads null until the run exists.
 */
export async function acceptedRunView(env: Env, runId: string): Promise<RunView | null> {
  const db = database(env.DB);
  const row = await findRunIndexRow(db, runId);
  if (!row || row.triggerType !== "webhook" || !["queued", "failed"].includes(row.status)) return null;
  const definition = await loadVersion(db, row.workflowId, row.version);
  if (!definition) return null;
  const view = toRunView(
    createRunState(definition, {
      id: row.id,
      workflow: row.workflowId,
      version: row.version,
      trigger: { type: "webhook" },
      input: null,
      createdAt: row.createdAt,
    }),
  );
  if (row.status === "queued") return view;
  const code = row.errorCode ?? "delivery_failed";
  return {
    ...view,
    status: "failed",
    error: { code, message: "the accepted start could not be carried out", retryable: false },
    finishedAt: row.finishedAt === null ? null : new Date(row.finishedAt).toISOString(),
  };
}
