// Who may call what (docs/security.md): every route's minimum role, in the one table that
// auth.ts enforces. A route missing here is refused to everyone (fail closed), and
// test/api/roles.test.ts fails until it is added. Keys are the OpenAPI method and path.
import type { Role } from "../security/roles";

/**
 * A minimum role (each includes the ones before it), or a route that authenticates
 * otherwise: `public` needs nothing, `signature` is verified by the route (webhooks),
 * `link` carries its own signed credential in the URL.
 */
export type RouteAccess = Role | "public" | "signature" | "link";
export type RouteKey = `${"GET" | "POST" | "PUT" | "PATCH" | "DELETE"} /${string}`;

export const ROUTE_ROLES: Readonly<Record<RouteKey, RouteAccess>> = {
  "GET /api/health": "public",
  "GET /api/openapi.json": "public",
  "GET /api/definition.schema.json": "public",
  "POST /hooks/{id}": "signature",
  "GET /api/me": "viewer",

  "GET /api/workflows": "viewer",
  "GET /api/workflows/{id}": "viewer",
  "GET /api/workflows/{id}/versions": "viewer",
  "GET /api/workflows/{id}/versions/{version}": "viewer",
  "POST /api/workflows/validate": "viewer",
  "PUT /api/workflows/{id}": "editor",
  "PATCH /api/workflows/{id}": "editor",
  "DELETE /api/workflows/{id}": "editor",

  "POST /api/workflows/{id}/runs": "operator",
  "GET /api/runs": "viewer",
  "GET /api/runs/{id}": "viewer",
  "GET /api/runs/{id}/live": "viewer",
  "GET /api/runs/{id}/steps/{stepId}/items": "viewer",
  "POST /api/runs/{id}/cancel": "operator",
  "POST /api/runs/{id}/retry": "operator",
  "POST /api/runs/{id}/rerun": "operator",
  "POST /api/runs/retry": "operator",
  "POST /api/runs/rerun": "operator",
  "POST /api/events": "operator",
  // Any token may try; the run admits only its approvers (roles or token names), default operators.
  "POST /api/runs/{id}/steps/{stepId}/approve": "viewer",
  "POST /api/runs/{id}/steps/{stepId}/reject": "viewer",
  "POST /api/runs/{id}/steps/{stepId}/links": "operator",
  "GET /api/approvals": "viewer",
  "GET /api/approval-links": "link",
  "POST /api/approval-links": "link",
  "GET /api/metrics": "viewer",
  "PUT /api/knowledge/{collection}/{docId}": "editor",
  "GET /api/knowledge/{collection}": "viewer",
  "DELETE /api/knowledge/{collection}/{docId}": "editor",

  "GET /api/audit": "admin",
  "GET /api/audit/verify": "admin",
  "POST /api/tokens": "admin",
  "GET /api/tokens": "admin",
  "DELETE /api/tokens/{id}": "admin",
  "PUT /api/secrets/{name}": "admin",
  "GET /api/secrets": "admin",
  "DELETE /api/secrets/{name}": "admin",
  "POST /api/secrets/rotate": "admin",
};

/** The table's decision for a route, or undefined when it has none (refuse). */
export function routeAccess(key: string): RouteAccess | undefined {
  return Object.hasOwn(ROUTE_ROLES, key) ? ROUTE_ROLES[key as RouteKey] : undefined;
}
