// POST /api/workflows/{id}/runs: start a run, honouring `Idempotency-Key`
// (same key + same body → the first run; different body → 422; still in flight → 409).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { canonicalJson, sha256Hex } from "../core/canonical-json";
import type { AppEnv } from "./app-env";
import { runStub } from "../durable/run-stub";
import { intakeOfKey, type Claim, type IntakeRpc } from "../durable/intake-stub";
import { startRun, type StartedRun, type StartRunRequest } from "../run/start-run";
import { requestAuditEntry } from "./audit-trail";
import type { RunView } from "../core/engine/run-view";
import type { WriteAlongsideAudit } from "./app-env";
import { AppError } from "../core/problem";
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
    const request: StartRunRequest = {
      workflowId: id,
      input: body.input,
      version: body.version,
      trigger: { type: "api" as const },
      listWith: (insert: WriteAlongsideAudit) => alongsideAudit.push(insert),
      // This call's own entry goes with the run it creates (its outbox writes it): recorded
      // exactly when the run exists, with no D1 write before the answer.
      auditEntries: [requestAuditEntry(c, "202")],
    };
    if (!key) return startedNow(c, await startRun(c.env, request));

    const scopedKey = `idem:${id}:${key}`;
    const intake = intakeOfKey(c.env, scopedKey);
    const requestHash = await sha256Hex(canonicalJson({ input: body.input ?? null, version: body.version ?? null }));
    const claim = await intake.claim({ key: scopedKey, requestHash });
    if (!claim.held) return startedNow(c, await startClaimed(c, intake, scopedKey, { ...request, runId: claim.runId }));
    if (claim.requestHash !== requestHash)
      throw new AppError("idempotency_conflict", "this Idempotency-Key was used with a different request body");
    const { run, created } = await replay(c, intake, scopedKey, claim, request);
    if (created) return startedNow(c, run);
    c.header("Idempotent-Replayed", "true");
    return c.json({ run }, 200);
  });
}

/** 202 for a run this request created: its audit entry went with the run (auditEntries). */
function startedNow(c: Context<AppEnv>, run: RunView) {
  c.set("auditWritten", true);
  return c.json({ run }, 202);
}

/**
 * How long a claim without its run may belong to a first request still at work (answered
 * 409 meanwhile); after that the run is created here. Longer than any one start takes.
 */
const IN_FLIGHT_GRACE_MS = 10_000;

/**
 * Starts the claimed run and marks the key done. A refusal that created nothing (a 4xx:
 * bad input, disabled workflow) frees the key for a corrected retry; any other failure keeps
 * the claim, and its run id, so a retry finishes this very run instead of starting another
 * (at once: the claim is marked abandoned, no request is at work on it any more).
 */
async function startClaimed(
  c: Context<AppEnv>,
  intake: IntakeRpc,
  key: string,
  request: StartRunRequest,
): Promise<StartedRun> {
  let run: StartedRun;
  try {
    run = await startRun(c.env, request);
  } catch (error) {
    const undo = error instanceof AppError && error.status < 500 ? intake.release(key) : intake.abandon(key);
    // The start's own error is the answer; a claim left in flight is finished by the retry after the grace.
    await undo.catch((cleanup: unknown) => console.error(`idempotency key ${key} could not be undone`, cleanup));
    throw error;
  }
  await settle(c, intake, key, request.runId!, run.id);
  return run;
}

/**
 * A debounced start joined another run: the key must name that one before the answer. Marking
 * the claimed run itself done can trail the answer: a replay finds the run first anyway.
 */
async function settle(c: Context<AppEnv>, intake: IntakeRpc, key: string, claimed: string, runId: string) {
  const settled = intake.settle(key, runId);
  if (runId !== claimed) await settled;
  else c.executionCtx.waitUntil(settled.catch((error: unknown) => console.error(`idempotency key ${key}`, error)));
}

/**
 * A repeat of a request whose key is claimed: the first request's run. The claim carries the
 * run id, and creating a run is idempotent, so a first request that failed, died (or is slow
 * past the grace) is finished here: no key stays in flight longer than the request it
 * protects. `created` when this request created the run (the first answer with a run).
 */
async function replay(
  c: Context<AppEnv>,
  intake: IntakeRpc,
  key: string,
  claim: Claim & { held: true },
  request: StartRunRequest,
): Promise<{ run: RunView; created: boolean }> {
  const run = await runStub(c.env, claim.runId).getRun();
  if (run) {
    if (claim.state !== "done") await intake.settle(key, run.id);
    return { run, created: false };
  }
  if (claim.state === "in_flight" && Date.now() - claim.createdAt < IN_FLIGHT_GRACE_MS)
    throw new AppError("idempotency_in_flight", "the first request with this Idempotency-Key is still being handled", {
      retryAfter: 1,
    });
  return { run: await startClaimed(c, intake, key, { ...request, runId: claim.runId }), created: true };
}
