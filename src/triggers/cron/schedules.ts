// Keeping a workflow's schedule rows in step with its definition and state, and
// showing them: called when a workflow is saved, enabled, disabled or archived.
import type { CronTrigger, Definition } from "../../core/definition/schema";
import type { Database } from "../../db/client";
import { listWorkflowSchedules, writeWorkflowSchedules } from "../../db/schedules";
import { nextFireTimes } from "./fire-times";
import { planScheduleSync } from "./plan";

/** How many upcoming fire times the API shows per schedule. */
const SHOWN_FIRE_TIMES = 5;

export interface ScheduleView {
  schedule: string;
  timezone: string;
  /** The next fire times after now, ISO 8601; empty while the workflow is disabled or archived. */
  next: string[];
}

/** The cron triggers a workflow's schedules should follow: null while it is disabled or archived. */
export function activeCronTriggers(
  workflow: { enabled: boolean; archivedAt: number | null },
  definition: Pick<Definition, "triggers">,
): CronTrigger[] | null {
  if (!workflow.enabled || workflow.archivedAt !== null) return null;
  return definition.triggers.filter((trigger): trigger is CronTrigger => trigger.type === "cron");
}

/**
 * Rewrites a workflow's schedule rows for `cronTriggers` (see planScheduleSync): null
 * disables them, so a disabled or archived workflow's schedules start nothing.
 */
export async function syncSchedules(
  db: Database,
  workflowId: string,
  cronTriggers: CronTrigger[] | null,
  now: number,
): Promise<void> {
  const existing = await listWorkflowSchedules(db, workflowId);
  const plan = planScheduleSync(existing, cronTriggers, now);
  await writeWorkflowSchedules(db, workflowId, plan.rows, plan.removed, now);
}

export async function schedulesForWorkflow(db: Database, workflowId: string, now: number): Promise<ScheduleView[]> {
  const rows = await listWorkflowSchedules(db, workflowId);
  return rows.map((row) => ({
    schedule: row.schedule,
    timezone: row.timezone,
    next: row.enabled
      ? nextFireTimes(row.schedule, row.timezone, now, SHOWN_FIRE_TIMES).map((time) => new Date(time).toISOString())
      : [],
  }));
}
