// API tokens: create (the token is in this one answer and nowhere else), list (never
// the token or its hash), revoke (the next request with it is refused).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { database } from "../db/client";
import {
  findActiveTokenByName,
  findUnrevokedTokenById,
  isActiveNameTaken,
  listUnrevokedTokens,
  tokenInsert,
  tokenRevoke,
  type TokenRow,
} from "../db/tokens";
import type { AppEnv } from "./app-env";
import { ROLES } from "../security/roles";
import { generateToken, hashToken, newTokenId } from "../security/tokens";
import { writeWithAudit } from "./audit-trail";
import { AppError, notFound, validationFailed } from "../core/problem";
import { requireJsonBody } from "./request-body";
import { jsonContent, problems } from "./schemas";

const createBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[^\p{Cc}]+$/u, "a token name has no control characters")
    .openapi({ example: "ci-deploy" }),
  role: z.enum(ROLES),
  expiresAt: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: "ISO time after which the token is refused; none by default" }),
});

const tokenInfo = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    lastUsedAt: z.string().nullable().openapi({ description: "Refreshed at most once a minute" }),
    expiresAt: z.string().nullable(),
    expired: z.boolean(),
  })
  .openapi("TokenInfo");

const idParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "tok_01JD3X5Q8R9W4Y7Z2B6C0N1M5K" }),
});

const createTokenRoute = createRoute({
  method: "post",
  path: "/api/tokens",
  tags: ["tokens"],
  summary: "Create a token; the answer is the only place it is ever shown",
  middleware: [requireJsonBody()] as const,
  request: { body: { required: true, content: { "application/json": { schema: createBody } } } },
  responses: {
    201: jsonContent(tokenInfo.extend({ token: z.string().openapi({ description: "wm_…; store it now" }) }), "Created"),
    ...problems,
  },
});
const listTokensRoute = createRoute({
  method: "get",
  path: "/api/tokens",
  tags: ["tokens"],
  summary: "Tokens not revoked (never the token or its hash)",
  responses: { 200: jsonContent(z.object({ tokens: z.array(tokenInfo) }), "Tokens"), ...problems },
});
const revokeTokenRoute = createRoute({
  method: "delete",
  path: "/api/tokens/{id}",
  tags: ["tokens"],
  summary: "Revoke a token, from the next request on",
  request: { params: idParam },
  responses: { 204: { description: "Revoked" }, ...problems },
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const toInfo = (row: Omit<TokenRow, "tokenHash" | "revokedAt">, now: number) => ({
  id: row.id,
  name: row.name,
  role: z.enum(ROLES).parse(row.role),
  createdAt: iso(row.createdAt)!,
  createdBy: row.createdBy,
  lastUsedAt: iso(row.lastUsedAt),
  expiresAt: iso(row.expiresAt),
  expired: row.expiresAt !== null && row.expiresAt <= now,
});

export function registerTokenRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createTokenRoute, async (c) => {
    const body = c.req.valid("json");
    const now = Date.now();
    const expiresAt = body.expiresAt === undefined ? null : Date.parse(body.expiresAt);
    if (expiresAt !== null && expiresAt <= now)
      throw validationFailed("the token would be expired already", [
        { path: "expiresAt", message: "must be in the future" },
      ]);
    const token = generateToken();
    const row = {
      id: newTokenId(now),
      name: body.name,
      role: body.role,
      tokenHash: await hashToken(token),
      createdAt: now,
      createdBy: c.get("actor").id,
      expiresAt,
    };
    const db = database(c.env.DB);
    const nameTaken = () =>
      new AppError("invalid_state", `a token named "${body.name}" is already active; revoke it or pick another name`);
    if (await findActiveTokenByName(db, body.name, now)) throw nameTaken();
    await writeWithAudit(c, 201, [...tokenInsert(db, row, now)]).catch((error: unknown) => {
      throw isActiveNameTaken(error) ? nameTaken() : error;
    });
    return c.json({ ...toInfo({ ...row, lastUsedAt: null }, now), token }, 201);
  });

  app.openapi(listTokensRoute, async (c) => {
    const now = Date.now();
    return c.json({ tokens: (await listUnrevokedTokens(database(c.env.DB))).map((row) => toInfo(row, now)) }, 200);
  });

  app.openapi(revokeTokenRoute, async (c) => {
    const { id } = c.req.valid("param");
    const db = database(c.env.DB);
    if (!(await findUnrevokedTokenById(db, id))) throw notFound(`token ${id}`);
    await writeWithAudit(c, 204, [tokenRevoke(db, id, Date.now())]);
    return c.body(null, 204);
  });
}
