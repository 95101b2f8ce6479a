// zod failures at the edge become `validation_failed` problems with paths, through
// the same funnel as every other error.
import type { ZodError } from "zod";
import { issuesFromZod } from "../core/definition/issues";
import type { Issue } from "../core/problem";
import { AppError } from "../core/problem";

const TARGET_PREFIX: Record<string, string> = { json: "", query: "query", param: "path", header: "headers" };

export function validationHook(result: { success: boolean; error?: ZodError; data?: unknown; target: string }): void {
  if (result.success || !result.error) return;
  const prefix = TARGET_PREFIX[result.target] ?? result.target;
  const issues: Issue[] = issuesFromZod(result.error.issues, result.data).map((issue) => ({
    path: [prefix, issue.path].filter(Boolean).join("."),
    message: issue.message,
  }));
  const where = result.target === "json" ? "body" : result.target === "param" ? "path" : result.target;
  throw new AppError(
    result.target === "json" ? "validation_failed" : "bad_request",
    `the request ${where} is not valid`,
    { issues },
  );
}
