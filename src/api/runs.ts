// Runs: list from the D1 index, read from the run's Durable Object, and the
// operator's controls on one run (cancel, retry in place, rerun as a new run); bulk in runs-bulk.ts.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Definition } from "../core/definition/schema";
import { RUN_STATUSES } from "../core/engine/run-state";
import { database } from "../db/client";
import { listRuns, type RunIndexRow } from "../db/runs";
import type { AppEnv } from "./app-env";
import { RUN_NOT_FOUND, type CommandResult } from "../durable/run-commands";
import { runStub, type RunRpc } from "../durable/run-stub";
import { intakeOfRun } from "../durable/intake-stub";
import { drainIndexWriters } from "../durable/index-writer-stub";
import { isRunId } from "../run/ids";
import { startRun } from "../run/start-run";
import { AppError, notFound, validationFailed } from "../core/problem";
import { requireJsonBody } from "./request-body";
import { jsonContent, problems, runIdParam, runSchema } from "./schemas";

const runSummarySchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    version: z.int(),
    status: z.string(),
    trigger: z.object({ type: z.string() }),
    error: z.object({ code: z.string() }).nullable(),
    rerunOf: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi("RunSummary");

export const filterSchema = z.object({
  workflow: z.string().optional(),
  status: z.enum(RUN_STATUSES).optional(),
  since: z.iso.datetime({ offset: true }).optional().openapi({ description: "ISO time: runs created at or after" }),
});

const listQuery = filterSchema.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional().openapi({ description: "nextCursor of the previous page" }),
});

const ITEM_STATUSES = ["pending", "running", "succeeded", "failed", "skipped", "cancelled"] as const;
const itemsQuery = z.object({
  status: z
    .enum(ITEM_STATUSES)
    .optional()
    .openapi({ description: "Only items with this status (running includes retrying and waiting)" }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z
    .string()
    .regex(/^\d{1,5}$/, { message: "expected the nextCursor of the previous page" })
    .optional()
    .openapi({ description: "nextCursor of the previous page" }),
});
const mapItemSchema = z
  .object({
    index: z.int(),
    status: z.string(),
    item: z.unknown(),
    output: z.unknown(),
    error: z.unknown(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    attempts: z.array(z.record(z.string(), z.unknown())),
    childRunId: z.string().optional(),
  })
  .openapi("MapItem");

const rerunBody = z.strictObject({
  input: z.unknown().optional().openapi({ description: "Replace the input; default the original run's" }),
  fromStep: z
    .string()
    .optional()
    .openapi({ description: "Copy the outputs of the steps before this one; run it and everything after" }),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const toSummary = (row: RunIndexRow) => ({
  id: row.id,
  workflow: row.workflowId,
  version: row.version,
  status: row.status,
  trigger: { type: row.triggerType },
  error: row.errorCode ? { code: row.errorCode } : null,
  rerunOf: row.rerunOf,
  createdAt: iso(row.createdAt)!,
  startedAt: iso(row.startedAt),
  finishedAt: iso(row.finishedAt),
});

function stubFor(c: Context<AppEnv>, id: string) {
  if (!isRunId(id)) throw notFound(`run ${id}`);
  return runStub(c.env, id);
}

/**
 * A webhook's run is created right behind its 202 by the intake shard that admitted it: a run
 * not there yet is created now by that shard, then asked again, so an acknowledged run is
 * never a 404.
 */
async function handedOver<T>(
  c: Context<AppEnv>,
  id: string,
  ask: (run: RunRpc) => Promise<T>,
  absent: (answer: T) => boolean,
): Promise<T> {
  const stub = stubFor(c, id);
  const answer = await ask(stub);
  if (!absent(answer) || !(await intakeOfRun(c.env, id).handOverRun(id))) return answer;
  return ask(stub);
}

const commandMissed = (result: CommandResult) => !result.ok && result.code === "not_found";

function unwrap(result: CommandResult, id: string) {
  if (result.ok) return result.run;
  if (result.code === "not_found") throw notFound(`run ${id}`);
  throw new AppError("invalid_state", result.message);
}

/** Starts a new run from run `id` (rerun); refusals are problems. */
export async function rerun(c: Context<AppEnv>, id: string, options: { input?: unknown; fromStep?: string }) {
  const plan = await handedOver(
    c,
    id,
    (stub) => stub.rerunPlan(options.fromStep),
    (answer) => !answer.ok && answer.code === "not_found",
  );
  if (!plan.ok && plan.code === "not_found") throw notFound(`run ${id}`);
  if (!plan.ok)
    throw validationFailed("fromStep names no step of this run's workflow version", [
      { path: "fromStep", message: `unknown step "${options.fromStep}"` },
    ]);
  const trigger = { type: "rerun" as const, rerunOf: id, ...(options.fromStep ? { fromStep: options.fromStep } : {}) };
  return startRun(
    c.env,
    {
      workflowId: plan.workflow,
      input: options.input === undefined ? plan.input : options.input,
      trigger,
      rerunOf: id,
      carriedSteps: plan.carriedSteps,
    },
    { version: plan.version, definition: plan.definition as Definition },
  );
}

const route = <P extends string>(method: "get" | "post", path: P, summary: string) => ({
  method,
  path,
  tags: ["runs"],
  summary,
});

const listRoute = createRoute({
  ...route("get", "/api/runs", "List runs, newest first"),
  request: { query: listQuery },
  responses: {
    200: jsonContent(
      z.object({ runs: z.array(runSummarySchema), nextCursor: z.string().nullable() }),
      "A page of runs",
    ),
    ...problems,
  },
});
const getRoute = createRoute({
  ...route("get", "/api/runs/{id}", "A run with every step and attempt"),
  request: { params: runIdParam },
  responses: { 200: jsonContent(runSchema, "The run"), ...problems },
});
const itemsRoute = createRoute({
  ...route(
    "get",
    "/api/runs/{id}/steps/{stepId}/items",
    "The items of a map step, in item order, with each one's attempts",
  ),
  request: {
    params: runIdParam.extend({
      stepId: z.string().openapi({ param: { name: "stepId", in: "path" }, example: "fetch" }),
    }),
    query: itemsQuery,
  },
  responses: {
    200: jsonContent(z.object({ items: z.array(mapItemSchema), nextCursor: z.string().nullable() }), "A page of items"),
    ...problems,
  },
});
const commandRoute = (action: "cancel" | "retry", summary: string) =>
  createRoute({
    ...route("post", `/api/runs/{id}/${action}`, summary),
    middleware: [requireJsonBody()] as const,
    request: { params: runIdParam },
    responses: { 200: jsonContent(z.object({ run: runSchema }), "The run"), ...problems },
  });
const rerunRoute = createRoute({
  ...route("post", "/api/runs/{id}/rerun", "Start a new run with the same (or given) input, optionally from a step"),
  middleware: [requireJsonBody()] as const,
  request: { params: runIdParam, body: { required: false, content: { "application/json": { schema: rerunBody } } } },
  responses: { 202: jsonContent(z.object({ run: runSchema }), "The new run"), ...problems },
});
export function registerRunRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    await drainIndexWriters(c.env);
    const rows = await listRuns(database(c.env.DB), {
      ...query,
      since: query.since ? Date.parse(query.since) : undefined,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return c.json(
      { runs: page.map(toSummary), nextCursor: rows.length > query.limit ? page[page.length - 1]!.id : null },
      200,
    );
  });

  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    const run = await handedOver(
      c,
      id,
      (stub) => stub.getRun(),
      (view) => view === null,
    );
    if (!run) throw notFound(`run ${id}`);
    return c.json(run, 200);
  });

  app.openapi(itemsRoute, async (c) => {
    const { id, stepId } = c.req.valid("param");
    const { status, limit, cursor } = c.req.valid("query");
    const query = { after: cursor === undefined ? -1 : Number(cursor), limit, ...(status ? { status } : {}) };
    const page = await handedOver(
      c,
      id,
      (stub) => stub.listItems(stepId, query),
      (answer) => !answer.ok && answer.message === RUN_NOT_FOUND.message,
    );
    if (!page.ok && page.code === "not_found") throw notFound(`step ${stepId} of run ${id}`);
    if (!page.ok) throw new AppError("invalid_state", page.message);
    return c.json({ items: page.items, nextCursor: page.nextCursor }, 200);
  });

  app.openapi(commandRoute("cancel", "Cancel a run"), async (c) => {
    const { id } = c.req.valid("param");
    return c.json(
      { run: unwrap(await handedOver(c, id, (stub) => stub.cancel("cancelled through the API"), commandMissed), id) },
      200,
    );
  });

  app.openapi(commandRoute("retry", "Resume a failed, timed-out or cancelled run in place"), async (c) => {
    const { id } = c.req.valid("param");
    return c.json({ run: unwrap(await handedOver(c, id, (stub) => stub.redrive(), commandMissed), id) }, 200);
  });

  app.openapi(rerunRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json({ run: await rerun(c, id, c.req.valid("json") ?? {}) }, 202);
  });
}
