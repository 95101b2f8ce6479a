// Approvals: decide a waiting approval step, mint signed links a person can use
// without a token, and the inbox of approvals waiting for someone. Who may decide is the
// run's to check (its definition names the approvers), so the routes only require a token.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { durationSchema, parseDuration } from "../core/duration";
import { DEFAULT_APPROVAL_LINK_MS } from "../core/engine";
import { APPROVAL_STATUSES, listApprovals } from "../db/approvals";
import { database } from "../db/client";
import type { AppEnv } from "./app-env";
import { RUN_NOT_FOUND, type CommandResult } from "../durable/run-commands";
import { runStub } from "../durable/run-stub";
import { isRunId } from "../run/ids";
import { APPROVAL_LINK_PATH, signApprovalLink } from "../security/approval-links";
import { AppError, notFound } from "../core/problem";
import { requireJsonBody } from "./request-body";
import { jsonContent, problems, runSchema } from "./schemas";

/** Links live at most this long (DEFAULT_APPROVAL_LINK_MS by default when the approval has no timeout). */
const MAX_LINK_MS = 30 * 24 * 60 * 60_000;

const stepParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "run_01JD3X5Q8R9W4Y7Z2B6C0N1M5K" }),
  stepId: z.string().openapi({ param: { name: "stepId", in: "path" }, example: "approve" }),
});
const commentSchema = z
  .string()
  .max(2000)
  .optional()
  .openapi({ description: "Why; recorded in the step's output and the audit log" });
const decisionBody = z.strictObject({ comment: commentSchema });
const linkBody = z.strictObject({
  expiresIn: durationSchema
    .optional()
    .openapi({ description: "How long the links stay valid; default the approval's timeout, else 7d (at most 30d)" }),
});
const linksSchema = z
  .object({ approveUrl: z.string(), rejectUrl: z.string(), expiresAt: z.string() })
  .openapi("ApprovalLinks");
const approvalSchema = z
  .object({
    runId: z.string(),
    stepId: z.string(),
    workflow: z.string(),
    approvers: z.array(z.string()),
    requestedAt: z.string(),
    expiresAt: z.string().nullable(),
  })
  .openapi("Approval");
const inboxQuery = z.object({
  status: z.enum(APPROVAL_STATUSES).default("pending"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const decideRoute = (decision: "approve" | "reject") =>
  createRoute({
    method: "post",
    path: `/api/runs/{id}/steps/{stepId}/${decision}`,
    tags: ["approvals"],
    summary:
      decision === "approve"
        ? "Approve a waiting approval step"
        : "Reject a waiting approval step (the step fails with code rejected)",
    middleware: [requireJsonBody()] as const,
    request: {
      params: stepParams,
      body: { required: false, content: { "application/json": { schema: decisionBody } } },
    },
    responses: { 200: jsonContent(z.object({ run: runSchema }), "The run after the decision"), ...problems },
  });
const linksRoute = createRoute({
  method: "post",
  path: "/api/runs/{id}/steps/{stepId}/links",
  tags: ["approvals"],
  summary: "Mint signed one-time links that approve or reject without a token",
  middleware: [requireJsonBody()] as const,
  request: { params: stepParams, body: { required: false, content: { "application/json": { schema: linkBody } } } },
  responses: { 200: jsonContent(linksSchema, "The links"), ...problems },
});
const inboxRoute = createRoute({
  method: "get",
  path: "/api/approvals",
  tags: ["approvals"],
  summary: "The approvals inbox, newest first",
  request: { query: inboxQuery },
  responses: { 200: jsonContent(z.object({ approvals: z.array(approvalSchema) }), "Approvals"), ...problems },
});

/** The run's answer, or its refusal as a problem (an unknown run or step is 404). */
export function unwrapDecision(result: CommandResult, runId: string) {
  if (result.ok) return result.run;
  throw refusal(result, runId);
}

function refusal(
  result: { code: "not_found" | "invalid_state" | "forbidden"; message: string },
  runId: string,
): AppError {
  // The object of a run that does not exist cannot name it; a missing step it names itself.
  if (result.code === "not_found" && result.message === RUN_NOT_FOUND.message) return notFound(`run ${runId}`);
  return new AppError(result.code, result.message);
}

function stub(c: Context<AppEnv>, runId: string) {
  if (!isRunId(runId)) throw notFound(`run ${runId}`);
  return runStub(c.env, runId);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function registerApprovalRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const decision of ["approve", "reject"] as const) {
    app.openapi(decideRoute(decision), async (c) => {
      const { id, stepId } = c.req.valid("param");
      const actor = c.get("actor");
      const comment = c.req.valid("json")?.comment;
      const result = await stub(c, id).decideApproval({
        stepId,
        decision,
        decider: { name: actor.name, role: actor.role },
        ...(comment ? { comment } : {}),
      });
      return c.json({ run: unwrapDecision(result, id) }, 200);
    });
  }

  app.openapi(linksRoute, async (c) => {
    const { id, stepId } = c.req.valid("param");
    const actor = c.get("actor");
    const request = await stub(c, id).approvalRequest(stepId, { name: actor.name, role: actor.role });
    if (!request.ok) throw refusal(request, id);
    const expiresIn = c.req.valid("json")?.expiresIn;
    const now = Date.now();
    const limit =
      now + (expiresIn === undefined ? DEFAULT_APPROVAL_LINK_MS : Math.min(parseDuration(expiresIn), MAX_LINK_MS));
    const expiresAt =
      expiresIn === undefined && request.expiresAt !== null ? Math.min(request.expiresAt, now + MAX_LINK_MS) : limit;
    const origin = new URL(c.req.url).origin;
    const url = async (decision: "approve" | "reject") =>
      `${origin}${APPROVAL_LINK_PATH}?token=${await signApprovalLink(c.env.WAYMARK_MASTER_KEY, { runId: id, stepId, attempt: request.attempt, decision, expiresAt })}`;
    return c.json(
      {
        approveUrl: await url("approve"),
        rejectUrl: await url("reject"),
        expiresAt: new Date(expiresAt).toISOString(),
      },
      200,
    );
  });

  app.openapi(inboxRoute, async (c) => {
    const { status, limit } = c.req.valid("query");
    const rows = await listApprovals(database(c.env.DB), status, limit);
    const approvals = rows.map((row) => ({
      runId: row.runId,
      stepId: row.stepId,
      workflow: row.workflowId,
      approvers: JSON.parse(row.approvers) as string[],
      requestedAt: iso(row.requestedAt)!,
      expiresAt: iso(row.expiresAt),
    }));
    return c.json({ approvals }, 200);
  });
}
