// What the scheduler should do, decided without I/O: which scheduled time a due
// schedule fires now, and how a workflow's cron triggers become schedule rows.
import type { CronTrigger } from "../../core/definition/triggers";
import { DEFAULT_TIMEZONE, nextFireTimes, previousFireTime } from "./fire-times";

export interface ScheduleTiming {
  schedule: string;
  timezone: string;
  /** The scheduled time not yet fired; null: nothing pending. */
  nextFireAt: number | null;
}

export interface FiringPlan {
  /** The scheduled time to start a run for now, or null when nothing is due. */
  fire: number | null;
  /** What `nextFireAt` becomes: the first fire time after `now` (unchanged when nothing is due). */
  next: number | null;
}

/**
 * A due schedule fires once, for the latest scheduled time at or before `now`: after
 * downtime the times missed before it are dropped, so there is at most one catch-up run.
 */
export function planScheduleFiring(row: ScheduleTiming, now: number): FiringPlan {
  if (row.nextFireAt === null || row.nextFireAt > now) return { fire: null, next: row.nextFireAt };
  const latest = previousFireTime(row.schedule, row.timezone, now);
  const fire = latest !== null && latest > row.nextFireAt ? latest : row.nextFireAt;
  const [next = null] = nextFireTimes(row.schedule, row.timezone, now, 1);
  return { fire, next };
}

export interface ScheduleRowState {
  triggerIndex: number;
  schedule: string;
  timezone: string;
  input: string;
  nextFireAt: number | null;
  lastFiredAt: number | null;
  enabled: boolean;
}

export interface SchedulePlan {
  /** Every row the workflow should have, in trigger order. */
  rows: ScheduleRowState[];
  /** Trigger indexes whose rows go away (the cron trigger was removed). */
  removed: number[];
}

/**
 * The rows a workflow's cron triggers call for; `triggers` null means the workflow is
 * disabled or archived, so its rows stay (with their history) but nothing is pending.
 * An unchanged, enabled schedule keeps its pending time, so a save between a scheduled
 * time and the next tick loses no run; a new, changed or re-enabled one counts from `now`.
 */
export function planScheduleSync(
  existing: ScheduleRowState[],
  triggers: CronTrigger[] | null,
  now: number,
): SchedulePlan {
  if (triggers === null) {
    return { rows: existing.map((row) => ({ ...row, enabled: false, nextFireAt: null })), removed: [] };
  }
  const byIndex = new Map(existing.map((row) => [row.triggerIndex, row]));
  const rows = triggers.map((trigger, triggerIndex): ScheduleRowState => {
    const timezone = trigger.timezone ?? DEFAULT_TIMEZONE;
    const input = JSON.stringify(trigger.input ?? {});
    const before = byIndex.get(triggerIndex);
    const unchanged = before !== undefined && before.schedule === trigger.schedule && before.timezone === timezone;
    if (unchanged && before.enabled) return { ...before, input };
    const [nextFireAt = null] = nextFireTimes(trigger.schedule, timezone, now, 1);
    const lastFiredAt = unchanged ? before.lastFiredAt : null;
    return { triggerIndex, schedule: trigger.schedule, timezone, input, nextFireAt, lastFiredAt, enabled: true };
  });
  const removed = existing.map((row) => row.triggerIndex).filter((index) => index >= triggers.length);
  return { rows, removed };
}
