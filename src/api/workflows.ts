// Workflow definitions: save (JSON or YAML, versioned), validate, list, read, enable, archive.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { canonicalJson, sha256Hex } from "../core/canonical-json";
import { parseDuration } from "../core/duration";
import { formatFromContentType, parseDefinitionText } from "../core/definition/parse";
import type { Definition } from "../core/definition/schema";
import { validateDefinition } from "../core/definition/validate";
import { database } from "../db/client";
import { syncEventSubscriptions } from "../db/events";
import {
  findWorkflow,
  findWorkflowVersion,
  listWorkflowsWithDefinitions,
  listWorkflowVersions,
  planWorkflowSave,
  workflowUpdate,
} from "../db/workflows";
import type { AppEnv } from "./app-env";
import { activeCronTriggers, schedulesForWorkflow, syncSchedules } from "../triggers/cron/schedules";
import { writeWithAudit } from "./audit-trail";
import { assertBodyShape } from "../core/request-limits";
import { AppError, notFound, validationFailed } from "../core/problem";
import {
  putWorkflow,
  validateRoute,
  listRoute,
  getRoute,
  versionsRoute,
  versionRoute,
  patchRoute,
  deleteRoute,
} from "./workflow-routes";
import { toWorkflowView } from "./workflow-view";

/** Reads a definition from a JSON or YAML body; parse errors are 4xx with line and column. */
async function readDefinitionBody(c: Context<AppEnv>): Promise<unknown> {
  const contentType = c.req.header("content-type");
  const format = formatFromContentType(contentType);
  if (!format)
    throw new AppError(
      "unsupported_media_type",
      `send the definition as application/json or application/yaml (got ${contentType ?? "no content type"})`,
    );
  const parsed = parseDefinitionText(await c.req.text(), format);
  if (!parsed.ok)
    throw new AppError("bad_request", `the body is not valid ${format.toUpperCase()}`, { issues: parsed.issues });
  assertBodyShape(parsed.value);
  return parsed.value;
}

/** The full view of one workflow: definition and the next fire times of its schedules. */
async function fullView(c: Context<AppEnv>, id: string) {
  const { row, definition } = await loadWorkflow(c, id);
  const schedules = await schedulesForWorkflow(database(c.env.DB), id, Date.now());
  return { ...toWorkflowView(row, definition, new URL(c.req.url).origin, { withDefinition: true }), schedules };
}

/** Keeps the triggers' derived rows (cron schedules, event subscriptions) in step with the workflow. */
async function syncTriggers(c: Context<AppEnv>, id: string, now: number): Promise<void> {
  const { row, definition } = await loadWorkflow(c, id);
  const db = database(c.env.DB);
  await Promise.all([
    syncSchedules(db, id, activeCronTriggers(row, definition), now),
    syncEventSubscriptions(db, id, definition.triggers),
  ]);
}

async function loadWorkflow(c: Context<AppEnv>, id: string) {
  const db = database(c.env.DB);
  const row = await findWorkflow(db, id);
  if (!row) throw notFound(`workflow ${id}`);
  const version = await findWorkflowVersion(db, id, row.latestVersion);
  return { row, definition: JSON.parse(version!.definition) as Definition };
}

/** Saves a definition: a changed one becomes a new version, an unchanged one answers 200. */
async function saveWorkflow(c: Context<AppEnv>, id: string) {
  const raw = await readDefinitionBody(c);
  const withId = raw && typeof raw === "object" && !Array.isArray(raw) && !("id" in raw) ? { ...raw, id } : raw;
  const result = validateDefinition(withId);
  if (!result.ok) throw validationFailed("the definition is not valid", result.issues);
  if (result.definition.id !== id)
    throw validationFailed("the definition's id differs from the URL", [
      { path: "id", message: `expected "${id}" as in the URL` },
    ]);
  const definitionJson = canonicalJson(result.definition);
  const now = Date.now();
  const db = database(c.env.DB);
  const { created, writes } = await planWorkflowSave(db, {
    id,
    name: result.definition.name ?? id,
    description: result.definition.description ?? null,
    retentionMs: result.definition.retention ? parseDuration(result.definition.retention) : null,
    definition: definitionJson,
    hash: await sha256Hex(definitionJson),
    actor: c.get("actor").name,
    now,
  });
  const status = created ? 201 : 200;
  await writeWithAudit(c, status, writes);
  await syncTriggers(c, id, now);
  return c.json(await fullView(c, id), status);
}

export function registerWorkflowRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(validateRoute, async (c) => {
    const result = validateDefinition(await readDefinitionBody(c));
    return c.json(result.ok ? { valid: true, issues: [] } : { valid: false, issues: result.issues }, 200);
  });

  app.openapi(putWorkflow, async (c) => saveWorkflow(c, c.req.valid("param").id));

  app.openapi(listRoute, async (c) => {
    const rows = await listWorkflowsWithDefinitions(database(c.env.DB), {
      includeArchived: c.req.valid("query").archived === "true",
    });
    const origin = new URL(c.req.url).origin;
    return c.json(
      {
        workflows: rows.map((row) =>
          toWorkflowView(row, JSON.parse(row.definition) as Definition, origin, { withDefinition: false }),
        ),
      },
      200,
    );
  });

  app.openapi(getRoute, async (c) => c.json(await fullView(c, c.req.valid("param").id), 200));

  app.openapi(versionsRoute, async (c) => {
    const { id } = c.req.valid("param");
    await loadWorkflow(c, id);
    const versions = await listWorkflowVersions(database(c.env.DB), id);
    return c.json(
      {
        versions: versions.map((v) => ({
          version: v.version,
          hash: v.hash,
          createdAt: new Date(v.createdAt).toISOString(),
          createdBy: v.createdBy,
        })),
      },
      200,
    );
  });

  app.openapi(versionRoute, async (c) => {
    const { id, version } = c.req.valid("param");
    const row = await findWorkflowVersion(database(c.env.DB), id, version);
    if (!row) throw notFound(`version ${version} of workflow ${id}`);
    return c.json(
      {
        version: row.version,
        hash: row.hash,
        createdAt: new Date(row.createdAt).toISOString(),
        definition: JSON.parse(row.definition) as Record<string, unknown>,
      },
      200,
    );
  });

  app.openapi(patchRoute, async (c) => {
    const { id } = c.req.valid("param");
    await loadWorkflow(c, id);
    const now = Date.now();
    await writeWithAudit(c, 200, [
      workflowUpdate(database(c.env.DB), id, { enabled: c.req.valid("json").enabled }, now),
    ]);
    await syncTriggers(c, id, now);
    return c.json(await fullView(c, id), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid("param");
    const current = await loadWorkflow(c, id);
    const now = Date.now();
    const archive =
      current.row.archivedAt === null ? [workflowUpdate(database(c.env.DB), id, { archivedAt: now }, now)] : [];
    await writeWithAudit(c, 200, archive);
    await syncTriggers(c, id, now);
    return c.json(await fullView(c, id), 200);
  });
}
