// An approval's `notify` request: an http request whose approval-link placeholders become
// signed links just before it leaves (the engine cannot sign). Links point at
// WAYMARK_PUBLIC_URL when it is set; without it they are paths on this deployment.
import { APPROVAL_LINK_PLACEHOLDER_PATTERN } from "../core/approval-link-placeholder";
import { APPROVAL_LINK_PATH, signApprovalLink } from "../security/approval-links";
import type { TaskMessage } from "./task-message";

export async function fillApprovalLinks(task: TaskMessage, env: Env): Promise<unknown> {
  const base = publicUrl(env);
  const links = new Map<string, string>();
  const found: RegExpMatchArray[] = [];
  replaceStrings(task.request, (text) => (found.push(...text.matchAll(APPROVAL_LINK_PLACEHOLDER_PATTERN)), text));
  for (const [placeholder, decision, expiresAt] of found) {
    if (links.has(placeholder)) continue;
    const claims = {
      runId: task.runId,
      stepId: task.stepId,
      attempt: task.attempt,
      decision: decision as "approve" | "reject",
      expiresAt: Number(expiresAt),
    };
    links.set(
      placeholder,
      `${base}${APPROVAL_LINK_PATH}?token=${await signApprovalLink(env.WAYMARK_MASTER_KEY, claims)}`,
    );
  }
  return replaceStrings(task.request, (text) =>
    text.replace(APPROVAL_LINK_PLACEHOLDER_PATTERN, (placeholder) => links.get(placeholder) ?? placeholder),
  );
}

function publicUrl(env: Env): string {
  return (env.WAYMARK_PUBLIC_URL ?? "").replace(/\/+$/, "");
}

function replaceStrings(value: unknown, transform: (text: string) => string): unknown {
  if (typeof value === "string") return transform(value);
  if (Array.isArray(value)) return value.map((item) => replaceStrings(item, transform));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceStrings(item, transform)]));
  return value;
}
