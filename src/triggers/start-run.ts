// Starting a run, whatever the trigger: resolve the pinned definition, check the
// input, record the run in the index, and hand it to its Durable Object.
import type { Definition } from "../core/definition/schema";
import { database } from "../db/client";
import { insertRunIndex } from "../db/runs";
import { findWorkflow, findWorkflowVersion } from "../db/workflows";
import { AppError, notFound, validationFailed } from "../api/problem";
import type { StartCommand } from "../run/commands";
import { runStub } from "../run/client";
import { newRunId } from "../run/ids";
import type { RunView } from "../run/view";
import { inputIssues } from "./input-schema";

export interface StartRunRequest {
  workflowId: string;
  input: unknown;
  version?: number;
  trigger: StartCommand["trigger"];
  rerunOf?: string;
  carriedSteps?: StartCommand["carriedSteps"];
  /** A run id chosen by the caller (idempotency, cron); a new one otherwise. */
  runId?: string;
}

export interface PinnedWorkflow {
  version: number;
  definition: Definition;
}

/** The definition a new run pins: the given version, or the latest. Disabled or archived workflows start nothing. */
export async function resolveWorkflow(env: Env, workflowId: string, version?: number): Promise<PinnedWorkflow> {
  const db = database(env.DB);
  const workflow = await findWorkflow(db, workflowId);
  if (!workflow) throw notFound(`workflow ${workflowId}`);
  if (workflow.archivedAt !== null) throw new AppError("workflow_disabled", `workflow ${workflowId} is archived`);
  if (!workflow.enabled) throw new AppError("workflow_disabled", `workflow ${workflowId} is disabled`);
  const pinned = version ?? workflow.latestVersion;
  const row = await findWorkflowVersion(db, workflowId, pinned);
  if (!row) throw notFound(`version ${pinned} of workflow ${workflowId}`);
  return { version: pinned, definition: JSON.parse(row.definition) as Definition };
}

export function assertValidInput(definition: Definition, input: unknown): void {
  const issues = inputIssues(definition.input, input);
  if (issues.length > 0) throw validationFailed("the input does not match the workflow's input schema", issues);
}

export async function startRun(env: Env, request: StartRunRequest, pinned?: PinnedWorkflow): Promise<RunView> {
  const { version, definition } = pinned ?? (await resolveWorkflow(env, request.workflowId, request.version));
  const input = request.input ?? {};
  assertValidInput(definition, input);
  const now = Date.now();
  const runId = request.runId ?? newRunId(now);
  await insertRunIndex(database(env.DB), {
    id: runId,
    workflowId: request.workflowId,
    version,
    status: "queued",
    triggerType: request.trigger.type,
    errorCode: null,
    rerunOf: request.rerunOf ?? null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    updatedAt: now,
  });
  return runStub(env, runId).start({
    runId,
    workflow: request.workflowId,
    version,
    definition,
    input,
    trigger: request.trigger,
    createdAt: now,
    rerunOf: request.rerunOf,
    carriedSteps: request.carriedSteps,
  });
}
