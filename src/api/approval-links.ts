// Signed approval links (security/approval-links.ts), public: the token in the query is
// the credential. GET only shows what the link will do — mail scanners and chat previews
// fetch links, so a GET must never decide — and POST decides, as the actor `link`.
// The page is plain text in HTML under a CSP that allows no script at all.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { runStub } from "../durable/run-stub";
import { isRunId } from "../run/ids";
import { APPROVAL_LINK_PATH, verifyApprovalLink, type ApprovalLinkClaims } from "../security/approval-links";
import { unwrapDecision } from "./approvals";
import { AppError } from "../core/problem";
import { problems } from "./schemas";
import { mediaType } from "./request-body";

const MAX_COMMENT = 2000;

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

const tokenQuery = z.object({ token: z.string().min(1).max(2048).openapi({ description: "The signed link token" }) });
const linkProblems = {
  ...problems,
  410: { description: "The link has expired", content: { "application/problem+json": { schema: z.object({}) } } },
};
const pageRoute = createRoute({
  method: "get",
  path: APPROVAL_LINK_PATH,
  tags: ["approvals"],
  summary: "A confirmation page for a signed approval link (it does not decide)",
  request: { query: tokenQuery },
  responses: {
    200: { description: "A text-only page with a confirm button", content: { "text/html": { schema: z.string() } } },
    ...linkProblems,
  },
});
const decideRoute = createRoute({
  method: "post",
  path: APPROVAL_LINK_PATH,
  tags: ["approvals"],
  summary: "Decide through a signed approval link (once); the decision is by `link`",
  request: { query: tokenQuery },
  responses: {
    200: {
      description: "Decided",
      content: {
        "application/json": {
          schema: z.object({ runId: z.string(), stepId: z.string(), decision: z.string(), status: z.string() }),
        },
      },
    },
    ...linkProblems,
  },
});

async function claimsOf(c: Context<AppEnv>, token: string): Promise<ApprovalLinkClaims> {
  const claims = await verifyApprovalLink(c.env.WAYMARK_MASTER_KEY, token);
  if (!claims || !isRunId(claims.runId)) throw new AppError("forbidden", "this approval link is not valid");
  if (claims.expiresAt <= Date.now())
    throw new AppError("link_expired", `this approval link expired at ${new Date(claims.expiresAt).toISOString()}`);
  return claims;
}

/** A comment from the page's form or a JSON body; anything else carries none. */
async function commentOf(c: Context<AppEnv>): Promise<string | undefined> {
  const type = mediaType(c.req.header("content-type"));
  let comment: unknown;
  if (type === "application/x-www-form-urlencoded" || type === "multipart/form-data")
    comment = (await c.req.parseBody()).comment;
  else if (type === "application/json")
    comment = ((await c.req.json().catch(() => ({}))) as { comment?: unknown }).comment;
  return typeof comment === "string" && comment.trim() !== "" ? comment.slice(0, MAX_COMMENT) : undefined;
}

export function registerApprovalLinkRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(pageRoute, async (c) => {
    const { token } = c.req.valid("query");
    const claims = await claimsOf(c, token);
    return new Response(confirmationPage(claims, token), { status: 200, headers: PAGE_HEADERS }) as never;
  });

  app.openapi(decideRoute, async (c) => {
    const { token } = c.req.valid("query");
    const claims = await claimsOf(c, token);
    const comment = await commentOf(c);
    const result = await runStub(c.env, claims.runId).decideApproval({
      stepId: claims.stepId,
      decision: claims.decision,
      decider: { name: "link", link: true },
      attempt: claims.attempt,
      ...(comment ? { comment } : {}),
    });
    const run = unwrapDecision(result, claims.runId);
    const status = run.steps.find((step) => step.id === claims.stepId)?.status ?? "unknown";
    if (mediaType(c.req.header("content-type")) === "application/x-www-form-urlencoded") {
      return new Response(page("Decision recorded", [`Your decision (${claims.decision}) was recorded.`]), {
        status: 200,
        headers: PAGE_HEADERS,
      }) as never;
    }
    return c.json({ runId: claims.runId, stepId: claims.stepId, decision: claims.decision, status }, 200);
  });
}

function confirmationPage(claims: ApprovalLinkClaims, token: string): string {
  const verb = claims.decision === "approve" ? "Approve" : "Reject";
  const lines = [
    `Run: ${claims.runId}`,
    `Step: ${claims.stepId}`,
    `This link expires at ${new Date(claims.expiresAt).toISOString()}.`,
    "Nothing has been decided yet.",
  ];
  const form = `<form method="post" action="?token=${escapeHtml(encodeURIComponent(token))}"><p><label>Comment (optional)<br><textarea name="comment" maxlength="${MAX_COMMENT}"></textarea></label></p><p><button type="submit">${verb}</button></p></form>`;
  return page(`${verb} this step?`, lines, form);
}

function page(title: string, lines: string[], extra = ""): string {
  const body = lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}${extra}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
