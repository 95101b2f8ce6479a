// A workflow as the API shows it: its row, its current definition and how to reach it.
import type { Definition } from "../core/definition/schema";
import type { WorkflowRow } from "../db/workflows";

export function toWorkflowView(
  row: WorkflowRow,
  definition: Definition,
  origin: string,
  options: { withDefinition: boolean },
) {
  const hasWebhook = definition.triggers.some((trigger) => trigger.type === "webhook");
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    version: row.latestVersion,
    enabled: row.enabled,
    archived: row.archivedAt !== null,
    webhookUrl: hasWebhook ? `${origin}/hooks/${row.id}` : null,
    triggers: definition.triggers as unknown as Record<string, unknown>[],
    ...(options.withDefinition ? { definition: definition as unknown as Record<string, unknown> } : {}),
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
