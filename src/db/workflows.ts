// Workflow definitions and their versions.
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Database } from "./client";
import { workflows, workflowVersions } from "./schema";

export type WorkflowRow = typeof workflows.$inferSelect;
export type WorkflowVersionRow = typeof workflowVersions.$inferSelect;

export async function findWorkflow(db: Database, id: string): Promise<WorkflowRow | undefined> {
  return workflowQuery(db, id).get();
}

/** The read of one workflow's row, as a statement a batch can carry (an array of at most one row). */
function workflowQuery(db: Database, id: string) {
  return db.select().from(workflows).where(eq(workflows.id, id)).limit(1);
}

export async function findWorkflowVersion(
  db: Database,
  id: string,
  version: number,
): Promise<WorkflowVersionRow | undefined> {
  return db
    .select()
    .from(workflowVersions)
    .where(and(eq(workflowVersions.workflowId, id), eq(workflowVersions.version, version)))
    .get();
}

export async function listWorkflowVersions(
  db: Database,
  id: string,
): Promise<Omit<WorkflowVersionRow, "definition">[]> {
  return db
    .select({
      workflowId: workflowVersions.workflowId,
      version: workflowVersions.version,
      hash: workflowVersions.hash,
      createdAt: workflowVersions.createdAt,
      createdBy: workflowVersions.createdBy,
    })
    .from(workflowVersions)
    .where(eq(workflowVersions.workflowId, id))
    .orderBy(desc(workflowVersions.version))
    .all();
}

export interface SaveVersionInput {
  id: string;
  name: string;
  description: string | null;
  /** Finished runs older than this are pruned; null keeps them. */
  retentionMs?: number | null;
  definition: string;
  hash: string;
  actor: string;
  now: number;
}

/**
 * Stores a new version when the definition changed (or the workflow is new) and
 * restores an archived workflow. Returns the version now current.
 */
export async function saveWorkflowVersion(
  db: Database,
  input: SaveVersionInput,
): Promise<{ version: number; created: boolean }> {
  const { writes, ...saved } = await planWorkflowSave(db, input);
  if (writes.length > 0) await db.batch(writes as [(typeof writes)[number], ...typeof writes]);
  return saved;
}

/**
 * What saving `input` takes: the version it makes current, whether that version is new, and
 * the writes, for the caller to batch (an API save, with its audit entry).
 */
export async function planWorkflowSave(db: Database, input: SaveVersionInput) {
  const current = await findWorkflow(db, input.id);
  const latest = current ? await findWorkflowVersion(db, input.id, current.latestVersion) : undefined;
  if (current && latest?.hash === input.hash) {
    const writes = current.archivedAt === null ? [] : [workflowUpdate(db, input.id, { archivedAt: null }, input.now)];
    return { version: current.latestVersion, created: false, writes };
  }
  const version = (current?.latestVersion ?? 0) + 1;
  const versionRow = {
    workflowId: input.id,
    version,
    definition: input.definition,
    hash: input.hash,
    createdAt: input.now,
    createdBy: input.actor,
  };
  const workflowRow = {
    name: input.name,
    description: input.description,
    retentionMs: input.retentionMs ?? null,
    latestVersion: version,
    archivedAt: null,
    updatedAt: input.now,
  };
  // A concurrent save of the same version number fails on the primary key instead of overwriting.
  const writes = [
    db.insert(workflowVersions).values(versionRow),
    db
      .insert(workflows)
      .values({ id: input.id, enabled: true, createdAt: input.now, ...workflowRow })
      .onConflictDoUpdate({ target: workflows.id, set: workflowRow }),
  ];
  return { version, created: true, writes };
}

export async function updateWorkflow(
  db: Database,
  id: string,
  changes: { enabled?: boolean; archivedAt?: number | null },
  now: number,
): Promise<void> {
  await workflowUpdate(db, id, changes, now);
}

/** Changes a workflow's flags, as a statement a batch can carry. */
export function workflowUpdate(
  db: Database,
  id: string,
  changes: { enabled?: boolean; archivedAt?: number | null },
  now: number,
) {
  return db
    .update(workflows)
    .set({ ...changes, updatedAt: now })
    .where(eq(workflows.id, id));
}

/** Workflows with the definition of their latest version, in one query. */
export async function listWorkflowsWithDefinitions(
  db: Database,
  options: { includeArchived: boolean },
): Promise<(WorkflowRow & { definition: string })[]> {
  const rows = await db
    .select({ workflow: workflows, definition: workflowVersions.definition })
    .from(workflows)
    .innerJoin(
      workflowVersions,
      and(eq(workflowVersions.workflowId, workflows.id), eq(workflowVersions.version, workflows.latestVersion)),
    )
    .where(options.includeArchived ? undefined : isNull(workflows.archivedAt))
    .orderBy(workflows.id)
    .all();
  return rows.map((row) => ({ ...row.workflow, definition: row.definition }));
}
