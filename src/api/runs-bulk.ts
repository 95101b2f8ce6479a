// Bulk retry and rerun: act on every run a filter matches, newest first, a page
// at a time. A page is at most 100 runs so one request stays within a Worker's subrequest
// budget; the answer says how many runs match in all, how many this page acted on, and
// the nextCursor to send back, with the same filter, for the next page.
import { drainIndexWriters } from "../durable/index-writer-stub";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { database } from "../db/client";
import { countRuns, listRuns } from "../db/runs";
import type { AppEnv } from "./app-env";
import { runStub } from "../durable/run-stub";
import { isRunId } from "../run/ids";
import { requireJsonBody } from "./request-body";
import { filterSchema, rerun } from "./runs";
import { jsonContent, problems } from "./schemas";

const MAX_PAGE = 100;

const bulkBody = filterSchema
  .extend({
    cursor: z
      .string()
      .refine(isRunId, { message: "expected the nextCursor of the previous page" })
      .optional()
      .openapi({ description: "nextCursor of the previous answer; send the same filter with it" }),
    limit: z.int().min(1).max(MAX_PAGE).default(MAX_PAGE).openapi({ description: "Runs to act on in this request" }),
  })
  .strict();
type BulkRequest = z.infer<typeof bulkBody>;

const outcomeSchema = z.object({
  id: z.string(),
  ok: z.boolean(),
  runId: z.string().optional(),
  error: z.string().optional(),
});
type Outcome = z.infer<typeof outcomeSchema>;

const bulkRoute = (action: "retry" | "rerun") =>
  createRoute({
    method: "post",
    path: `/api/runs/${action}`,
    tags: ["runs"],
    summary: `${action === "retry" ? "Retry" : "Rerun"} the runs matching a filter, a page (at most 100) at a time`,
    middleware: [requireJsonBody()] as const,
    request: { body: { required: true, content: { "application/json": { schema: bulkBody } } } },
    responses: {
      200: jsonContent(
        z.object({
          matched: z.int().openapi({ description: "Runs the filter matches, over every page" }),
          acted: z.int().openapi({ description: "Runs of this page retried (or rerun)" }),
          runs: z
            .array(outcomeSchema)
            .openapi({ description: "This page's runs, newest first, each with its outcome" }),
          nextCursor: z.string().nullable().openapi({ description: "Send it back for the next page; null at the end" }),
        }),
        "This page's outcome per run",
      ),
      ...problems,
    },
  });

/** One page of the filter's runs, newest first, and the cursor after it (null on the last page). */
async function matchingPage(c: Context<AppEnv>, body: BulkRequest) {
  const db = database(c.env.DB);
  await drainIndexWriters(c.env);
  const filter = {
    workflow: body.workflow,
    status: body.status,
    since: body.since ? Date.parse(body.since) : undefined,
  };
  const [matched, rows] = await Promise.all([
    countRuns(db, filter),
    listRuns(db, { ...filter, cursor: body.cursor, limit: body.limit + 1 }),
  ]);
  const page = rows.slice(0, body.limit);
  return { matched, ids: page.map((row) => row.id), nextCursor: rows.length > body.limit ? page.at(-1)!.id : null };
}

const answer = (matched: number, runs: Outcome[], nextCursor: string | null) => ({
  matched,
  acted: runs.filter((run) => run.ok).length,
  runs,
  nextCursor,
});

export function registerBulkRunRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(bulkRoute("retry"), async (c) => {
    const { matched, ids, nextCursor } = await matchingPage(c, c.req.valid("json"));
    const runs = await Promise.all(
      ids.map(async (id): Promise<Outcome> => {
        const result = await runStub(c.env, id).redrive();
        return result.ok ? { id, ok: true } : { id, ok: false, error: result.message };
      }),
    );
    return c.json(answer(matched, runs, nextCursor), 200);
  });

  app.openapi(bulkRoute("rerun"), async (c) => {
    const { matched, ids, nextCursor } = await matchingPage(c, c.req.valid("json"));
    const runs: Outcome[] = [];
    for (const id of ids) {
      try {
        runs.push({ id, ok: true, runId: (await rerun(c, id, {})).id });
      } catch (error) {
        runs.push({ id, ok: false, error: (error as Error).message });
      }
    }
    return c.json(answer(matched, runs, nextCursor), 200);
  });
}
