// A saved workflow with cron triggers, for the Workers tests of the scheduler: stored
// the way PUT /api/workflows/{id} stores it, then its schedules synced as on save.
import { inArray } from "drizzle-orm";
import { afterEach } from "vitest";
import { canonicalJson, sha256Hex } from "../../../src/core/canonical-json";
import type { Trigger } from "../../../src/core/definition/triggers";
import { validateDefinition } from "../../../src/core/definition/validate";
import type { Database } from "../../../src/db/client";
import { schedules } from "../../../src/db/schema";
import { findWorkflow, saveWorkflowVersion, updateWorkflow } from "../../../src/db/workflows";
import { activeCronTriggers, syncSchedules } from "../../../src/triggers/cron/schedules";

/** One transform, so a real run finishes within its start. */
const STEPS = [{ id: "echo", type: "transform", expr: "input" }];

export async function saveCronWorkflow(db: Database, id: string, triggers: Trigger[], now: number): Promise<void> {
  const result = validateDefinition({ id, triggers, steps: STEPS });
  if (!result.ok) throw new Error(`invalid test definition: ${JSON.stringify(result.issues)}`);
  const definition = canonicalJson(result.definition);
  await saveWorkflowVersion(db, {
    id,
    name: id,
    description: null,
    definition,
    hash: await sha256Hex(definition),
    actor: "test",
    now,
  });
  await resyncSchedules(db, id, triggers, now);
}

/** Enables or disables a workflow, or archives it, then syncs its schedules as the API does. */
export async function changeWorkflow(
  db: Database,
  id: string,
  triggers: Trigger[],
  changes: { enabled?: boolean; archivedAt?: number | null },
  now: number,
): Promise<void> {
  await updateWorkflow(db, id, changes, now);
  await resyncSchedules(db, id, triggers, now);
}

async function resyncSchedules(db: Database, id: string, triggers: Trigger[], now: number): Promise<void> {
  const workflow = await findWorkflow(db, id);
  if (!workflow) throw new Error(`workflow ${id} was not saved`);
  await syncSchedules(db, id, activeCronTriggers(workflow, { triggers }), now);
}

/**
 * saveCronWorkflow for a test file whose schedules are deleted after each test: D1 is
 * shared by every file of the workers project, so a later tick (at a later fake time,
 * here or in another file) must not fire them.
 */
export function cronWorkflowsCleanedAfterEach(db: Database): typeof saveCronWorkflow {
  const saved = new Set<string>();
  afterEach(async () => {
    await db.delete(schedules).where(inArray(schedules.workflowId, [...saved]));
  });
  return async (database, id, triggers, now) => {
    saved.add(id);
    await saveCronWorkflow(database, id, triggers, now);
  };
}
