// Webhooks at the edge: POST /hooks/{workflowId}. Authentication is the provider's
// signature (verify scheme of the workflow's webhook trigger), not a bearer token.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { acceptWebhook } from "../triggers/webhooks";
import { requestAuditEntry } from "./audit-trail";
import { jsonContent, problems, workflowIdParam } from "./schemas";

const hookRoute = createRoute({
  method: "post",
  path: "/hooks/{id}",
  tags: ["triggers"],
  summary: "Deliver a webhook: verified by the workflow's scheme, deduplicated by delivery id",
  security: [],
  request: { params: workflowIdParam },
  responses: {
    200: jsonContent(
      z.union([z.object({ runId: z.string(), duplicate: z.literal(true) }), z.record(z.string(), z.unknown())]),
      "A redelivery (the run the first delivery started), or a provider handshake answered without a run (Slack's challenge, GitHub's ping)",
    ),
    202: jsonContent(z.object({ runId: z.string() }), "Accepted: the run is under way"),
    ...problems,
  },
});

export function registerHookRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(hookRoute, async (c) => {
    const url = new URL(c.req.url);
    const outcome = await acceptWebhook(
      c.env,
      {
        workflowId: c.req.valid("param").id,
        rawBody: new Uint8Array(await c.req.arrayBuffer()),
        headers: c.req.raw.headers,
        query: url.searchParams,
        auditIfAccepted: requestAuditEntry(c, "202"),
      },
      Date.now(),
    );
    if ("handshake" in outcome) return c.json(outcome.handshake, 200);
    if (outcome.auditWritten) c.set("auditWritten", true);
    return outcome.duplicate
      ? c.json({ runId: outcome.runId, duplicate: true as const }, 200)
      : c.json({ runId: outcome.runId }, 202);
  });
}
