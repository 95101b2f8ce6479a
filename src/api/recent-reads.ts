// Workflow rows and webhook secrets are recent reads per isolate (db/recent-reads.ts): a
// change through the API (save, enable, disable, archive, a secret's put, delete or
// rotation) makes this isolate read them again at once, once the change is written.
import type { MiddlewareHandler } from "hono";
import { forgetRecentReads } from "../db/recent-reads";
import type { AppEnv } from "./app-env";

export const forgetReadsAfterChange: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.req.method !== "GET" && c.req.method !== "HEAD") forgetRecentReads();
};
