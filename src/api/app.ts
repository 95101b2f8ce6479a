// The Hono app: middleware, then the routes as a table of contents, then the one error funnel.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { registerApprovalLinkRoutes } from "./approval-links";
import { registerApprovalRoutes } from "./approvals";
import { registerAuditRoutes } from "./audit";
import { auditTrail } from "./audit-trail";
import { authorizeRoute } from "./auth";
import { cors } from "./cors";
import { forgetReadsAfterChange } from "./recent-reads";
import { registerEventRoutes } from "./events";
import { registerHookRoutes } from "./hooks";
import { registerKnowledgeRoutes } from "./knowledge";
import { rateLimit } from "./rate-limit";
import { registerMeRoute } from "./me";
import { registerMetaRoutes } from "./meta";
import { registerMetricsRoutes } from "./metrics";
import { onError, onNotFound } from "./on-error";
import { limitBody } from "./request-body";
import { registerRunStartRoute } from "./run-start";
import { registerRunLiveRoute } from "./run-live";
import { registerRunRoutes } from "./runs";
import { registerBulkRunRoutes } from "./runs-bulk";
import { registerSecretRoutes } from "./secrets";
import { securityHeaders } from "./security-headers";
import { registerTokenRoutes } from "./tokens";
import { validationHook } from "./validation";
import { registerWorkflowRoutes } from "./workflows";

export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("*", async (c, next) => {
    c.set("requestId", c.req.header("cf-ray") ?? crypto.randomUUID());
    await next();
    c.header("x-request-id", c.get("requestId"));
  });
  app.use("*", securityHeaders);
  app.use("/api/*", cors);
  app.use("/api/*", limitBody);
  app.use("/hooks/*", limitBody);
  // Outside the audit trail, whose batch commits a change: forgotten once it is written.
  app.use("/api/workflows/:id", forgetReadsAfterChange);
  app.use("/api/secrets/*", forgetReadsAfterChange);
  app.use("/api/*", auditTrail);
  app.use("/hooks/*", auditTrail);
  // Every route, from the one table in route-roles.ts; a route it does not name is refused.
  app.use("*", authorizeRoute);
  // After authorization, so /api counts per token; /hooks count per workflow before the signature check.
  app.use("/api/*", rateLimit);
  app.use("/hooks/*", rateLimit);

  registerMetaRoutes(app);
  registerMeRoute(app);
  registerWorkflowRoutes(app);
  registerRunStartRoute(app);
  registerRunRoutes(app);
  registerBulkRunRoutes(app);
  registerRunLiveRoute(app);
  registerSecretRoutes(app);
  registerTokenRoutes(app);
  registerEventRoutes(app);
  registerApprovalRoutes(app);
  registerApprovalLinkRoutes(app);
  registerMetricsRoutes(app);
  registerKnowledgeRoutes(app);
  registerAuditRoutes(app);
  registerHookRoutes(app);

  app.onError(onError);
  app.notFound(onNotFound);
  return app;
}
