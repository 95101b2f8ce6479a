// POST /api/workflows/{id}/runs: start a run, honouring `Idempotency-Key`
// (same key + same body → the first run; different body → 422; still in flight → 409).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { canonicalJson, sha256Hex } from "../core/canonical-json";
import { database } from "../db/client";
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from "../db/idempotency";
import type { AppEnv } from "../env";
import { runStub } from "../run/client";
import { newRunId } from "../run/ids";
import { startRun } from "../triggers/start-run";
import type { WriteAlongsideAudit } from "./audit-trail";
import { AppError } from "./problem";
import { requireJsonBody } from "./request-body";
import { jsonContent, problems, runSchema, workflowIdParam } from "./schemas";

const startBody = z.strictObject({
  input: z.unknown().optional().openapi({ description: "Run input, checked against the workflow's input schema" }),
  version: z.int().min(1).optional().openapi({ description: "Pin an older version; default the latest" }),
});

const startRoute = createRoute({
  method: "post",
  path: "/api/workflows/{id}/runs",
  tags: ["runs"],
  summary: "Start a run",
  middleware: [requireJsonBody()] as const,
  request: {
    params: workflowIdParam,
    headers: z.object({ "idempotency-key": z.string().min(1).max(255).optional() }),
    body: { required: false, content: { "application/json": { schema: startBody } } },
  },
  responses: {
    200: jsonContent(z.object({ run: runSchema }), "Replayed: the run first started with this Idempotency-Key"),
    202: jsonContent(z.object({ run: runSchema }), "Accepted: the run is under way"),
    ...problems,
  },
});

export function registerRunStartRoute(app: OpenAPIHono<AppEnv>): void {
  app.openapi(startRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    const key = c.req.valid("header")["idempotency-key"];
    const alongsideAudit = c.get("alongsideAudit");
    const request = {
      workflowId: id,
      input: body.input,
      version: body.version,
      trigger: { type: "api" as const },
      listWith: (insert: WriteAlongsideAudit) => alongsideAudit.push(insert),
    };
    if (!key) return c.json({ run: await startRun(c.env, request) }, 202);

    const db = database(c.env.DB);
    const scopedKey = `${id}:${key}`;
    const runId = newRunId(Date.now());
    const requestHash = await sha256Hex(canonicalJson({ input: body.input ?? null, version: body.version ?? null }));
    const existing = await claimIdempotencyKey(db, { key: scopedKey, requestHash, runId, now: Date.now() });
    if (existing) {
      if (existing.requestHash !== requestHash)
        throw new AppError("idempotency_conflict", "this Idempotency-Key was used with a different request body");
      if (existing.state !== "done")
        throw new AppError(
          "idempotency_in_flight",
          "the first request with this Idempotency-Key is still being handled",
          { retryAfter: 1 },
        );
      const run = await runStub(c.env, existing.runId).getRun();
      if (!run)
        throw new AppError("idempotency_in_flight", "the run for this Idempotency-Key is still being created", {
          retryAfter: 1,
        });
      c.header("Idempotent-Replayed", "true");
      return c.json({ run }, 200);
    }
    try {
      const run = await startRun(c.env, { ...request, runId });
      await completeIdempotencyKey(db, scopedKey, run.id);
      return c.json({ run }, 202);
    } catch (error) {
      await releaseIdempotencyKey(db, scopedKey);
      throw error;
    }
  });
}
