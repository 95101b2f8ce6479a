// Bearer authentication and the role check. Until API tokens land, the only
// credential is WAYMARK_ADMIN_TOKEN (break-glass admin).
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { timingSafeEqualText } from "../security/constant-time";
import { hasRole, type Role } from "../security/roles";
import { AppError } from "./problem";

/** Resolves the caller from `Authorization: Bearer …` and requires `minimum`. */
export function requireRole(minimum: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError("unauthorized", "send `Authorization: Bearer <token>`");
    const adminToken = c.env.WAYMARK_ADMIN_TOKEN;
    if (!adminToken || !(await timingSafeEqualText(match[1]!, adminToken))) {
      throw new AppError("unauthorized", "the bearer token is not valid");
    }
    c.set("actor", { id: "admin-token", name: "admin", role: "admin" });
    if (!hasRole(c.get("actor"), minimum)) throw new AppError("forbidden", `this action needs the ${minimum} role`);
    await next();
  };
}
