// Bearer authentication and the role check, for every route from one table
// (route-roles.ts). Credentials: API tokens (`wm_…`, looked up by SHA-256) and
// WAYMARK_ADMIN_TOKEN, the break-glass admin. Browsers cannot set Authorization on a
// WebSocket, so the live route alone also takes the token as a subprotocol.
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { database } from "../db/client";
import { findUnrevokedToken, isTouchDue, touchToken } from "../db/tokens";
import type { AppEnv } from "./app-env";
import { timingSafeEqualText } from "../security/constant-time";
import { hasRole, isRole, type Actor } from "../security/roles";
import { hashToken, isTokenShaped } from "../security/tokens";
import { AppError } from "../core/problem";
import { routeAccess } from "./route-roles";

const ADMIN_ACTOR: Actor = { id: "admin-token", name: "admin", role: "admin" };
/** The live route's subprotocol, echoed on its 101; the token rides next to it as `waymark.token.<token>`. */
export const LIVE_SUBPROTOCOL = "waymark.v1";
const TOKEN_SUBPROTOCOL_PREFIX = "waymark.token.";
const LIVE_ROUTE = "GET /api/runs/{id}/live";
const INVALID_TOKEN = "the bearer token is not valid (unknown, revoked or expired)";

/**
 * Enforces ROUTE_ROLES on whatever route the request matched. A route the table does
 * not name is refused to everyone; a request that matches no route falls through to 404.
 */
export const authorizeRoute: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = matchedRouteKey(c);
  if (key === undefined) return next();
  const access = routeAccess(key);
  if (access === undefined) throw new AppError("forbidden", `${key} has no role decision, so it is refused`);
  if (!isRole(access)) return next();
  const actor = await authenticate(c, presentedToken(c, key));
  c.set("actor", actor);
  if (!hasRole(actor, access)) throw new AppError("forbidden", `this action needs the ${access} role`);
  await next();
};

/** `METHOD /path/{param}` of the route that will answer, as in the OpenAPI document. */
function matchedRouteKey(c: Context): string | undefined {
  const endpoint = matchedRoutes(c).find((route) => route.method !== "ALL");
  if (!endpoint) return undefined;
  return `${endpoint.method.toUpperCase()} ${endpoint.path.replace(/\/:(\w+)(\{[^}]*\})?\??/g, "/{$1}")}`;
}

/** The subprotocols a WebSocket upgrade offers (`Sec-WebSocket-Protocol`, comma-separated). */
export function offeredSubprotocols(c: Context): string[] {
  return (c.req.header("sec-websocket-protocol") ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
}

/** The bearer token, or on the live route's upgrade only, the token offered as a subprotocol. */
function presentedToken(c: Context, key: string): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  if (bearer) return bearer[1];
  if (key !== LIVE_ROUTE || c.req.header("upgrade")?.toLowerCase() !== "websocket") return undefined;
  const offered = offeredSubprotocols(c).find((name) => name.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
  return offered?.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
}

async function authenticate(c: Context<AppEnv>, presented: string | undefined): Promise<Actor> {
  if (!presented) throw new AppError("unauthorized", "send `Authorization: Bearer <token>`");
  const adminToken = c.env.WAYMARK_ADMIN_TOKEN;
  if (adminToken && (await timingSafeEqualText(presented, adminToken))) return ADMIN_ACTOR;
  const actor = isTokenShaped(presented) ? await apiTokenActor(c, presented) : undefined;
  if (!actor) throw new AppError("unauthorized", INVALID_TOKEN);
  return actor;
}

/** Every request reads the row, so a revocation holds from the next request on. */
async function apiTokenActor(c: Context<AppEnv>, token: string): Promise<Actor | undefined> {
  const now = Date.now();
  const hash = await hashToken(token);
  const db = database(c.env.DB);
  const row = await findUnrevokedToken(db, hash);
  if (!row || !(await timingSafeEqualText(row.tokenHash, hash)) || !isRole(row.role)) return undefined;
  if (row.expiresAt !== null && row.expiresAt <= now) return undefined;
  if (isTouchDue(row, now)) afterResponse(c, touchToken(db, row.id, now));
  return { id: row.id, name: row.name, role: row.role };
}

/** Work the response need not wait for; a failure is logged, never surfaced. */
function afterResponse(c: Context, work: Promise<unknown>): void {
  const logged = work.catch((error: unknown) =>
    console.error("token last-used update failed", error instanceof Error ? error.message : error),
  );
  try {
    c.executionCtx.waitUntil(logged);
  } catch {
    // No execution context (the app called directly): let it finish on its own.
  }
}
