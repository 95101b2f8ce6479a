// Starting a run, whatever the trigger: resolve the pinned definition, check the
// input, hand it to its Durable Object — directly, or
// through its flow-control gate when the workflow declares concurrency, rateLimit or
// debounce — and list it in the D1 index.
import type { Definition } from "../core/definition/schema";
import { hasFlowControl, planGates, type GateStage } from "../core/flow-control";
import { database } from "../db/client";
import type { BatchItem } from "drizzle-orm/batch";
import { auditInsert, type NewAuditEntry } from "../db/audit";
import { runIndexInsert } from "../db/runs";
import { AppError, notFound, validationFailed } from "../core/problem";
import { gateStub } from "../durable/gate-stub";
import type { StartCommand } from "../durable/run-commands";
import { runStub } from "../durable/run-stub";
import { newRunId } from "./ids";
import type { RunView } from "../core/engine/run-view";
import { inputIssues } from "./input-schema";
import { loadPinnedWorkflow } from "./pinned-definitions";

export interface StartRunRequest {
  workflowId: string;
  input: unknown;
  version?: number;
  trigger: StartCommand["trigger"];
  rerunOf?: string;
  carriedSteps?: StartCommand["carriedSteps"];
  /** A run id chosen by the caller (idempotency, cron); a new one otherwise. */
  runId?: string;
  /**
   * Hands the run's index insert to the caller instead of writing it here: an API call writes
   * it in its audit entry's batch (api/audit-trail.ts), one D1 round trip for both.
   */
  listWith?: (write: BatchItem<"sqlite">) => void;
  /**
   * Audit-log rows to record with the run (an API call's own entry). A run that starts at once
   * writes them, and its index row, through its outbox: the answer waits for no D1 write. A run
   * under flow control has them written with its index row (`listWith`, or here).
   */
  auditEntries?: NewAuditEntry[];
}

/** The run a trigger started, or (`debounced`) the pending run it joined: its id differs from a requested `runId`. */
export type StartedRun = RunView & { debounced?: true };

export interface PinnedWorkflow {
  version: number;
  definition: Definition;
}

/** The definition a new run pins: the given version, or the latest. Disabled or archived workflows start nothing. */
export async function resolveWorkflow(env: Env, workflowId: string, version?: number): Promise<PinnedWorkflow> {
  const { workflow, pinned } = await loadPinnedWorkflow(database(env.DB), workflowId, version);
  if (!workflow) throw notFound(`workflow ${workflowId}`);
  if (workflow.archivedAt !== null) throw new AppError("workflow_disabled", `workflow ${workflowId} is archived`);
  if (!workflow.enabled) throw new AppError("workflow_disabled", `workflow ${workflowId} is disabled`);
  if (!pinned) throw notFound(`version ${version ?? workflow.latestVersion} of workflow ${workflowId}`);
  return pinned;
}

export function assertValidInput(definition: Definition, input: unknown): void {
  const issues = inputIssues(definition.input, input);
  if (issues.length > 0) throw validationFailed("the input does not match the workflow's input schema", issues);
}

export async function startRun(env: Env, request: StartRunRequest, pinned?: PinnedWorkflow): Promise<StartedRun> {
  const { version, definition } = pinned ?? (await resolveWorkflow(env, request.workflowId, request.version));
  const input = request.input ?? {};
  assertValidInput(definition, input);
  const now = Date.now();
  const runId = request.runId ?? newRunId(now);
  const command: StartCommand = {
    runId,
    workflow: request.workflowId,
    version,
    definition,
    input,
    trigger: request.trigger,
    createdAt: now,
    rerunOf: request.rerunOf,
    carriedSteps: request.carriedSteps,
  };
  if (hasFlowControl(definition)) {
    const started = await startThroughGates(env, command, await gatesFor(definition, input, now), request.listWith);
    await recordEntries(env, request);
    return started;
  }
  if (request.auditEntries) {
    // The run's outbox lists it (its start changes its status) and records the entries.
    return runStub(env, runId).start({ ...command, auditEntries: request.auditEntries });
  }
  const run = await runStub(env, runId).start(command);
  await recordInIndex(env, command, run, request.listWith);
  return run;
}

/** A gated run's audit entries: in the caller's batch, or written here. */
async function recordEntries(env: Env, request: StartRunRequest): Promise<void> {
  const entries = request.auditEntries;
  if (!entries || entries.length === 0) return;
  const insert = auditInsert(database(env.DB), entries);
  if (request.listWith) request.listWith(insert);
  else await insert;
}

/**
 * Lists the run at once, after it exists (a failed start leaves no phantom row). The run's
 * outbox writes the same row too, so a crash right here loses nothing and the newest state wins.
 */
async function recordInIndex(
  env: Env,
  command: StartCommand,
  run: RunView,
  listWith: StartRunRequest["listWith"],
): Promise<void> {
  const startedAt = run.startedAt === null ? null : Date.parse(run.startedAt);
  const insert = runIndexInsert(database(env.DB), { ...indexRow(command), status: run.status, startedAt });
  if (listWith) listWith(insert);
  else await insert;
}

/**
 * The first gate creates the run (queued) and starts it now, queues it, or merges the
 * trigger into its pending debounced run. A rerun is never merged: it carries its own steps.
 */
async function startThroughGates(
  env: Env,
  command: StartCommand,
  gates: GateStage[],
  listWith: StartRunRequest["listWith"],
): Promise<StartedRun> {
  const [first, ...next] = gates as [GateStage, ...GateStage[]];
  const create = { ...command, gates: gates.map((gate) => gate.name) };
  const answer = await gateStub(env, first.name).admit({
    runId: command.runId,
    policy: first.policy,
    next,
    create,
    skipDebounce: command.trigger.type === "rerun" || command.trigger.type === "workflow",
  });
  if (!answer.run)
    throw new AppError("unavailable", `run ${command.runId} could not be created; try again`, { retryAfter: 1 });
  if (answer.debounced) return { ...answer.run, debounced: true };
  await recordInIndex(env, command, answer.run, listWith);
  return answer.run;
}

/** The run's gates; a key expression that fails on this input is the input's problem (422). */
async function gatesFor(definition: Definition, input: unknown, now: number): Promise<GateStage[]> {
  try {
    return await planGates(definition, input, now);
  } catch (error) {
    if ((error as { code?: string }).code !== "expression_error") throw error;
    const expression = (error as { expression?: string }).expression;
    const rule =
      (["debounce", "concurrency", "rateLimit"] as const).find((name) => definition[name]?.key === expression) ??
      "concurrency";
    throw validationFailed("the flow-control key could not be evaluated on this input", [
      { path: `${rule}.key`, message: (error as Error).message },
    ]);
  }
}

function indexRow(command: StartCommand) {
  return {
    id: command.runId,
    workflowId: command.workflow,
    version: command.version,
    status: "queued",
    triggerType: command.trigger.type,
    errorCode: null,
    rerunOf: command.rerunOf ?? null,
    createdAt: command.createdAt,
    startedAt: null as number | null,
    finishedAt: null as number | null,
    updatedAt: command.createdAt,
  };
}
