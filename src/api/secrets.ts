// Secrets: write-only values, encrypted at rest; the list shows names and dates only.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { database } from "../db/client";
import { findSecret, listSecretNames, secretDelete, secretUpsert } from "../db/secrets";
import type { AppEnv } from "./app-env";
import { encryptSecret } from "../security/secret-crypto";
import { masterKey, rotateSecrets } from "../db/secret-store";
import { writeWithAudit } from "./audit-trail";
import { notFound } from "../core/problem";
import { requireJsonBody } from "./request-body";
import { jsonContent, problems } from "./schemas";

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const nameParam = z.object({
  name: z
    .string()
    .regex(SECRET_NAME, "a secret name is letters, digits and _")
    .openapi({ param: { name: "name", in: "path" }, example: "STRIPE_WHSEC" }),
});
const secretInfo = z.object({ name: z.string(), createdAt: z.string(), updatedAt: z.string() }).openapi("SecretInfo");

const putRoute = createRoute({
  method: "put",
  path: "/api/secrets/{name}",
  tags: ["secrets"],
  summary: "Create or replace a secret",
  middleware: [requireJsonBody()] as const,
  request: {
    params: nameParam,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.strictObject({
            value: z
              .string()
              .min(1)
              .max(64 * 1024),
          }),
        },
      },
    },
  },
  responses: { 200: jsonContent(secretInfo, "Replaced"), 201: jsonContent(secretInfo, "Created"), ...problems },
});
const listRoute = createRoute({
  method: "get",
  path: "/api/secrets",
  tags: ["secrets"],
  summary: "Secret names and dates (never values)",
  responses: { 200: jsonContent(z.object({ secrets: z.array(secretInfo) }), "Secrets"), ...problems },
});
const deleteRoute = createRoute({
  method: "delete",
  path: "/api/secrets/{name}",
  tags: ["secrets"],
  summary: "Delete a secret",
  request: { params: nameParam },
  responses: { 204: { description: "Deleted" }, ...problems },
});

const rotateRoute = createRoute({
  method: "post",
  path: "/api/secrets/rotate",
  tags: ["secrets"],
  summary: "Re-encrypt every secret under the current WAYMARK_MASTER_KEY",
  description:
    "Values sealed under an older key are opened with the key of their id from WAYMARK_PREVIOUS_MASTER_KEYS. Safe to repeat.",
  responses: {
    200: jsonContent(
      z
        .object({
          rotated: z.int(),
          alreadyCurrent: z.int(),
          failed: z.array(z.object({ name: z.string(), reason: z.string() })),
        })
        .openapi("SecretRotation"),
      "What was re-encrypted, what already was, and what could not be opened",
    ),
    ...problems,
  },
});

const iso = (ms: number) => new Date(ms).toISOString();

export function registerSecretRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(putRoute, async (c) => {
    const { name } = c.req.valid("param");
    const sealed = await encryptSecret(await masterKey(c.env), c.req.valid("json").value, name);
    const now = Date.now();
    const db = database(c.env.DB);
    const status = (await findSecret(db, name)) ? 200 : 201;
    await writeWithAudit(c, status, [secretUpsert(db, { name, ...sealed, createdAt: now, updatedAt: now })]);
    return c.json({ name, createdAt: iso(now), updatedAt: iso(now) }, status);
  });
  app.openapi(listRoute, async (c) => {
    const rows = await listSecretNames(database(c.env.DB));
    return c.json(
      {
        secrets: rows.map((row) => ({ name: row.name, createdAt: iso(row.createdAt), updatedAt: iso(row.updatedAt) })),
      },
      200,
    );
  });
  app.openapi(rotateRoute, async (c) => c.json(await rotateSecrets(c.env), 200));
  app.openapi(deleteRoute, async (c) => {
    const { name } = c.req.valid("param");
    const db = database(c.env.DB);
    if (!(await findSecret(db, name))) throw notFound(`secret ${name}`);
    await writeWithAudit(c, 204, [secretDelete(db, name)]);
    return c.body(null, 204);
  });
}
