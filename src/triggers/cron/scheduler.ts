// The minute tick: start one run for each due schedule. A scheduled time is claimed in
// D1 before its run starts, and the run id is derived from it, so it starts one run only.
import { database, type Database } from "../../db/client";
import {
  claimSchedule,
  listDueSchedules,
  releaseSchedule,
  type ScheduleClaim,
  type ScheduleRow,
} from "../../db/schedules";
import { deterministicRunId } from "../../run/ids";
import { startRun, type StartRunRequest } from "../start-run";
import { planScheduleFiring } from "./plan";

/** Due schedules handled per tick, oldest first; the rest wait for the next minute. */
export const DUE_SCHEDULES_PER_TICK = 100;

/** Errors that will fail the same way next minute: the scheduled time is spent, not retried. */
const PERMANENT_CODES = new Set(["not_found", "workflow_disabled", "validation_failed"]);

export type StartRunFunction = (env: Env, request: StartRunRequest) => Promise<unknown>;

export interface SchedulerReport {
  /** Ids of the runs started, one per scheduled time fired. */
  started: string[];
  /** Schedules whose run could not start, as `<workflowId>#<triggerIndex>`. */
  failed: string[];
}

/**
 * Fires every schedule due at `now` (the tick's scheduled time). Overlapping or repeated
 * invocations are harmless: each scheduled time is claimed by one of them, and its run id
 * is the same whoever starts it. One schedule's failure is logged and does not stop the others.
 */
export async function runDueSchedules(
  env: Env,
  now: number,
  start: StartRunFunction = startRun,
): Promise<SchedulerReport> {
  const db = database(env.DB);
  const report: SchedulerReport = { started: [], failed: [] };
  for (const row of await listDueSchedules(db, now, DUE_SCHEDULES_PER_TICK)) {
    try {
      const runId = await fireSchedule(env, db, row, now, start);
      if (runId !== null) report.started.push(runId);
    } catch (error) {
      report.failed.push(`${row.workflowId}#${row.triggerIndex}`);
      console.error(
        `cron schedule ${row.workflowId}#${row.triggerIndex} ("${row.schedule}" ${row.timezone}) could not start its run`,
        error,
      );
    }
  }
  return report;
}

/** The run id for a schedule's scheduled time: the same for every invocation that fires it. */
export function scheduledRunId(workflowId: string, triggerIndex: number, scheduledTime: number): Promise<string> {
  return deterministicRunId(scheduledTime, `${workflowId}:${triggerIndex}:${scheduledTime}`);
}

/** Claims the schedule's due time and starts its run; null when another invocation claimed it first. */
async function fireSchedule(
  env: Env,
  db: Database,
  row: ScheduleRow,
  now: number,
  start: StartRunFunction,
): Promise<string | null> {
  const plan = planScheduleFiring(row, now);
  if (plan.fire === null || row.nextFireAt === null) return null;
  const claim: ScheduleClaim = {
    workflowId: row.workflowId,
    triggerIndex: row.triggerIndex,
    from: row.nextFireAt,
    to: plan.next,
    firedAt: plan.fire,
    now,
  };
  if (!(await claimSchedule(db, claim))) return null;
  const runId = await scheduledRunId(row.workflowId, row.triggerIndex, plan.fire);
  const trigger = {
    type: "cron",
    schedule: row.schedule,
    timezone: row.timezone,
    scheduledTime: new Date(plan.fire).toISOString(),
  };
  try {
    await start(env, { workflowId: row.workflowId, input: JSON.parse(row.input) as unknown, trigger, runId });
  } catch (error) {
    // A passing failure (D1 or the run's object unreachable) gives the time back for the next
    // tick to try again, under the same run id; a permanent one spends it.
    if (!PERMANENT_CODES.has(errorCode(error))) await releaseSchedule(db, claim, row.lastFiredAt);
    throw error;
  }
  return runId;
}

function errorCode(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : "internal";
}
