// Cron schedules in time: when a five-field schedule fires in its IANA time zone.
// The definition's own grammar (parseCron) reads the text; croner does the calendar and DST.
import { Cron } from "croner";
import { parseCron, type CronSchedule } from "../../core/definition/cron";

export const DEFAULT_TIMEZONE = "UTC";

/**
 * The first `count` fire times strictly after `after`, as epoch ms (UTC instants); fewer
 * when the schedule runs out (`0 0 30 2 *` never fires). Across DST, croner follows Vixie
 * cron: a job with one minute and one hour (`30 2 * * *`) whose local time falls in the
 * spring-forward gap fires once at the end of the gap (03:00 in Paris), and fires once, at
 * the first occurrence, when the time repeats in autumn; a job with a wildcard, step, range
 * or list (`*\/30 * * * *`) skips the gap and fires on both occurrences of a repeated time.
 */
export function nextFireTimes(schedule: string, timezone: string | undefined, after: number, count: number): number[] {
  return cronFor(schedule, timezone)
    .nextRuns(count, new Date(after))
    .map((date) => date.getTime());
}

/** The latest fire time at or before `atOrBefore`, or null when there is none. */
export function previousFireTime(schedule: string, timezone: string | undefined, atOrBefore: number): number | null {
  // previousRuns looks strictly before its reference (at whole-second precision).
  const [previous] = cronFor(schedule, timezone).previousRuns(1, new Date(atOrBefore + 1));
  return previous ? previous.getTime() : null;
}

function cronFor(schedule: string, timezone: string | undefined): Cron {
  const parsed = parseCron(schedule);
  if (!parsed.ok) throw new Error(`invalid cron schedule "${schedule}": ${parsed.message}`);
  // domAndDow: false is standard cron's OR (croner's `legacyMode`, now deprecated): when both
  // day fields are restricted, either one matching is enough; a `*` leaves the other alone.
  return new Cron(cronerPattern(parsed.schedule), {
    timezone: timezone ?? DEFAULT_TIMEZONE,
    mode: "5-part",
    domAndDow: false,
  });
}

/**
 * The schedule as explicit lists, so croner sees exactly what the validator accepted (steps,
 * names, `7` for Sunday, `5/15`) and only the day fields keep `*`, which decides OR versus AND.
 */
function cronerPattern(schedule: CronSchedule): string {
  const days = (any: boolean, values: number[]) => (any ? "*" : values.join(","));
  return [
    schedule.minutes.join(","),
    schedule.hours.join(","),
    days(schedule.anyDayOfMonth, schedule.daysOfMonth),
    schedule.months.join(","),
    days(schedule.anyDayOfWeek, schedule.daysOfWeek),
  ].join(" ");
}
