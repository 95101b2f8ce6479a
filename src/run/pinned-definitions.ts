// The definition a trigger pins, read cheaply. A saved version never changes, so each
// isolate keeps the parsed definitions it has read by (workflow, version): starting a run
// then costs one small read of the workflow's row (latest version, enabled, archived),
// which stays exact — a save, a disable or an archive applies to the very next trigger.
import type { Definition } from "../core/definition/schema";
import type { Database } from "../db/client";
import { findWorkflow, findWorkflowVersion, type WorkflowRow } from "../db/workflows";

/** Enough for every active workflow of a deployment; the oldest read goes first. */
const MAX_CACHED_VERSIONS = 500;
const versions = new Map<string, Definition>();
/** The newest version of each workflow this isolate has read: a guess a caller may act on early, then check. */
const newest = new Map<string, Definition>();

/** The workflow's row and its `version` (default: latest), or undefined for either that does not exist. */
export async function loadPinnedWorkflow(db: Database, workflowId: string, version?: number): Promise<PinnedLookup> {
  return pinVersion(db, await findWorkflow(db, workflowId), version);
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
  if (definition && pinnedVersion === workflow.latestVersion) newest.set(workflow.id, definition);
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

/**
 * The definition this isolate last pinned for the workflow, which is usually still its latest:
 * a webhook resolves that definition's secret while it reads the workflow's row, and checks
 * the guess against the row before trusting it.
 */
export function probableDefinition(workflowId: string): Definition | undefined {
  return newest.get(workflowId);
}
