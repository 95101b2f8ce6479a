// Trigger settings that a schema cannot express: cron grammar and IANA time zones.
import { cronError, timeZoneError } from "./cron";
import type { Issue } from "../problem";
import { isFields } from "./strings";

export function triggerIssues(raw: unknown): Issue[] {
  if (!isFields(raw) || !Array.isArray(raw.triggers)) return [];
  const issues: Issue[] = [];
  raw.triggers.forEach((trigger: unknown, index) => {
    if (!isFields(trigger) || trigger.type !== "cron") return;
    const cron = typeof trigger.schedule === "string" ? cronError(trigger.schedule) : null;
    if (cron) issues.push({ path: `triggers[${index}].schedule`, message: cron });
    const zone = typeof trigger.timezone === "string" ? timeZoneError(trigger.timezone) : null;
    if (zone) issues.push({ path: `triggers[${index}].timezone`, message: zone });
  });
  return issues;
}
