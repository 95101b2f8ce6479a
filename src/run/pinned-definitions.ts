// The definition a trigger pins, read cheaply. A saved version never changes, so each
// isolate keeps the parsed definitions it has read by (workflow, version). The workflow's
// row (latest version, enabled, archived) is a recent read (db/recent-reads.ts): a save, a
// disable or an archive applies to the next trigger at once in the isolate that made it,
// and within a second everywhere.
import type { Definition } from "../core/definition/schema";
import type { Database } from "../db/client";
import { findWorkflow, findWorkflowVersion, type WorkflowRow } from "../db/workflows";
import { RecentReads } from "../db/recent-reads";

/** Enough for every active workflow of a deployment; the oldest read goes first. */
const MAX_CACHED_VERSIONS = 500;
const versions = new Map<string, Definition>();

const workflowRows = new RecentReads<WorkflowRow | undefined>();

/** The workflow's row and its `version` (default: latest), or undefined for either that does not exist. */
export async function loadPinnedWorkflow(db: Database, workflowId: string, version?: number): Promise<PinnedLookup> {
  return pinVersion(db, await recentWorkflowRow(db, workflowId), version);
}

/** The workflow's row as read within the last second. */
function recentWorkflowRow(db: Database, workflowId: string): Promise<WorkflowRow | undefined> {
  return workflowRows.read(workflowId, Date.now(), () => findWorkflow(db, workflowId));
}

export interface PinnedLookup {
  workflow?: WorkflowRow;
  pinned?: { version: number; definition: Definition };
}

/** The definition of `version` (default: latest) of a workflow whose row the caller read. */
export async function pinVersion(
  db: Database,
  workflow: WorkflowRow | undefined,
  version?: number,
): Promise<PinnedLookup> {
  if (!workflow) return {};
  const pinnedVersion = version ?? workflow.latestVersion;
  const definition = await loadVersion(db, workflow.id, pinnedVersion);
  return { workflow, ...(definition ? { pinned: { version: pinnedVersion, definition } } : {}) };
}

/** A saved version's definition, from this isolate's cache when it has read it before. */
async function loadVersion(db: Database, workflowId: string, version: number): Promise<Definition | undefined> {
  const key = `${workflowId}@${version}`;
  const cached = versions.get(key);
  if (cached) return cached;
  const row = await findWorkflowVersion(db, workflowId, version);
  if (!row) return undefined;
  const definition = JSON.parse(row.definition) as Definition;
  if (versions.size >= MAX_CACHED_VERSIONS) versions.delete(versions.keys().next().value!);
  versions.set(key, definition);
  return definition;
}
