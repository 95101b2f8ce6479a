// The minute tick: start one run for each due schedule. The run id is derived from the
// schedule and its scheduled time, and a run's object creates it once, so the run is
// started first and the schedule moved past that time only after: a tick that dies in
// between leaves the time due, and the next tick reaches the same run instead of losing it.
import { database, type Database } from "../../db/client";
import {
  listDueSchedules,
  scheduleAdvance,
  type DueCursor,
  type DueSchedule,
  type ScheduleAdvance,
} from "../../db/schedules";
import { deterministicRunId } from "../../run/ids";
import { notFound } from "../../core/problem";
import { pinVersion } from "../../run/pinned-definitions";
import { startRun, type PinnedWorkflow, type StartRunRequest } from "../../run/start-run";
import { planScheduleFiring } from "./plan";

/** Due schedules read, started and advanced together: one D1 read and one D1 batch per page. */
const DUE_SCHEDULES_PAGE = 50;
/**
 * Schedules one tick fires at most. Each costs a call to its run's object (and, the first
 * time an isolate sees its workflow's version, one D1 read), so a tick stays well within a
 * Worker's subrequest budget; schedules beyond it stay due and start at the next tick.
 */
const MAX_SCHEDULES_PER_TICK = 300;

/** Errors that will fail the same way next minute: the scheduled time is spent, not retried. */
const PERMANENT_CODES = new Set(["not_found", "workflow_disabled", "validation_failed"]);

export type StartRunFunction = (env: Env, request: StartRunRequest, pinned?: PinnedWorkflow) => Promise<unknown>;

export interface SchedulerReport {
  /** Ids of the runs started, one per scheduled time fired (by this invocation, when ticks overlap). */
  started: string[];
  /** Schedules whose run could not start, as `<workflowId>#<triggerIndex>`. */
  failed: string[];
}

interface Firing {
  due: DueSchedule;
  runId: string;
  advance: ScheduleAdvance;
  /** The definition the run pins; undefined when its version is missing (refused for good). */
  pinned?: PinnedWorkflow;
  /** Reading the definition failed (a passing failure). */
  pinError?: unknown;
}

/**
 * Fires every schedule due at `now` (the tick's scheduled time), a page at a time.
 * Overlapping or repeated invocations are harmless: each may ask for a scheduled time's
 * run, whose id is the same whoever asks, and one of them moves the schedule on. One
 * schedule's failure is logged and does not stop the others.
 */
export async function runDueSchedules(
  env: Env,
  now: number,
  start: StartRunFunction = startRun,
): Promise<SchedulerReport> {
  const db = database(env.DB);
  const report: SchedulerReport = { started: [], failed: [] };
  let after: DueCursor | undefined;
  for (let fired = 0; fired < MAX_SCHEDULES_PER_TICK; ) {
    const limit = Math.min(DUE_SCHEDULES_PAGE, MAX_SCHEDULES_PER_TICK - fired);
    const page = await listDueSchedules(db, now, limit, after);
    await firePage(env, db, page, now, start, report);
    fired += page.length;
    if (page.length < limit) break;
    after = page.at(-1)!.schedule;
  }
  return report;
}

/** The run id for a schedule's scheduled time: the same for every invocation that fires it. */
export function scheduledRunId(workflowId: string, triggerIndex: number, scheduledTime: number): Promise<string> {
  return deterministicRunId(scheduledTime, `${workflowId}:${triggerIndex}:${scheduledTime}`);
}

/**
 * Starts the page's runs, then writes in one batch their index rows and the advance of each
 * schedule whose run started (or was refused for good). A schedule whose start failed for
 * a passing reason is not advanced: the next tick tries again, under the same run id.
 */
async function firePage(
  env: Env,
  db: Database,
  page: DueSchedule[],
  now: number,
  start: StartRunFunction,
  report: SchedulerReport,
): Promise<void> {
  const firings = (await Promise.all(page.map((due) => planFiring(db, due, now)))).filter(
    (firing): firing is Firing => firing !== undefined,
  );
  const inserts: IndexInsert[] = [];
  // Called in page order (each start begins before the next), all awaited together.
  const outcomes = await Promise.allSettled(firings.map((firing) => startFiring(env, firing, start, inserts)));
  const moving: { firing: Firing; started: boolean }[] = [];
  outcomes.forEach((outcome, index) => {
    const firing = firings[index]!;
    if (outcome.status === "fulfilled") {
      moving.push({ firing, started: true });
      return;
    }
    const { workflowId, triggerIndex, schedule, timezone } = firing.due.schedule;
    report.failed.push(`${workflowId}#${triggerIndex}`);
    const what = `cron schedule ${workflowId}#${triggerIndex} ("${schedule}" ${timezone})`;
    console.error(`${what} could not start its run`, outcome.reason);
    // A refusal for good spends the scheduled time; a passing failure leaves it due.
    if (PERMANENT_CODES.has(errorCode(outcome.reason))) moving.push({ firing, started: false });
  });
  const [first, ...rest] = [...inserts, ...moving.map(({ firing }) => scheduleAdvance(db, firing.advance))];
  if (!first) return;
  try {
    const moved = (await db.batch([first, ...rest])).slice(inserts.length) as unknown[][];
    moving.forEach(({ firing, started }, index) => {
      if (started && moved[index]!.length > 0) report.started.push(firing.runId);
    });
  } catch (error) {
    // The runs exist (their outbox lists them too); their schedules stay due, and the next
    // tick reaches the same runs and moves the schedules on.
    console.error(`cron: ${moving.length} schedules could not be moved on; the next tick does`, error);
    for (const { firing } of moving) report.failed.push(`${firing.advance.workflowId}#${firing.advance.triggerIndex}`);
  }
}

type IndexInsert = Parameters<NonNullable<StartRunRequest["listWith"]>>[0];

function startFiring(env: Env, firing: Firing, start: StartRunFunction, inserts: IndexInsert[]): Promise<unknown> {
  if (firing.pinError !== undefined) return Promise.reject(firing.pinError);
  if (!firing.pinned) return Promise.reject(notFound(`the definition of workflow ${firing.due.workflow.id}`));
  return start(
    env,
    startRequest(firing, (insert) => inserts.push(insert)),
    firing.pinned,
  );
}

/** What firing a due schedule means now: the scheduled time, its run id, and the definition to pin. */
async function planFiring(db: Database, due: DueSchedule, now: number): Promise<Firing | undefined> {
  const { schedule } = due;
  const plan = planScheduleFiring(schedule, now);
  if (plan.fire === null || schedule.nextFireAt === null) return undefined;
  const runId = await scheduledRunId(schedule.workflowId, schedule.triggerIndex, plan.fire);
  const advance = {
    workflowId: schedule.workflowId,
    triggerIndex: schedule.triggerIndex,
    from: schedule.nextFireAt,
    to: plan.next,
    firedAt: plan.fire,
    now,
  };
  try {
    return { due, runId, advance, pinned: (await pinVersion(db, due.workflow)).pinned };
  } catch (error) {
    return { due, runId, advance, pinError: error };
  }
}

function startRequest(firing: Firing, listWith: StartRunRequest["listWith"]): StartRunRequest {
  const { schedule } = firing.due;
  const trigger = {
    type: "cron",
    schedule: schedule.schedule,
    timezone: schedule.timezone,
    scheduledTime: new Date(firing.advance.firedAt).toISOString(),
  };
  return {
    workflowId: schedule.workflowId,
    input: JSON.parse(schedule.input) as unknown,
    trigger,
    runId: firing.runId,
    listWith,
  };
}

function errorCode(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : "internal";
}
