// GET /api/me: who the presented token is, so a client (the dashboard) can offer only
// the actions its role allows. The server still decides every call (route-roles.ts).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { ROLES } from "../security/roles";
import { jsonContent, problems } from "./schemas";

const meRoute = createRoute({
  method: "get",
  path: "/api/me",
  tags: ["tokens"],
  summary: "The calling token's name and role",
  responses: {
    200: jsonContent(z.object({ name: z.string(), role: z.enum(ROLES) }).openapi("Me"), "The caller"),
    ...problems,
  },
});

export function registerMeRoute(app: OpenAPIHono<AppEnv>): void {
  app.openapi(meRoute, (c) => {
    const { name, role } = c.get("actor");
    return c.json({ name, role }, 200);
  });
}
