// The workflow's `triage` block is read when a step fails, with no run data in scope:
// its apiKey may hold `{{ secrets.NAME }}` placeholders and nothing else that is evaluated.
import type { Issue } from "../problem";
import { isFields } from "./strings";

/** The only placeholder a triage field may hold. */
export const TRIAGE_SECRET_PLACEHOLDER = /\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function triageIssues(raw: unknown): Issue[] {
  if (!isFields(raw) || !isFields(raw.triage)) return [];
  const issues: Issue[] = [];
  for (const field of ["apiKey", "baseUrl", "model"] as const) {
    const value = raw.triage[field];
    if (typeof value !== "string") continue;
    const rest = field === "apiKey" ? value.replace(TRIAGE_SECRET_PLACEHOLDER, "") : value;
    if (rest.includes("{{")) {
      const allowed =
        field === "apiKey"
          ? "only {{ secrets.NAME }} placeholders are allowed here"
          : "placeholders are not allowed here";
      issues.push({ path: `triage.${field}`, message: `triage runs without run data in scope: ${allowed}` });
    }
  }
  return issues;
}
