// Hono's environment: the bindings come from `wrangler types` (worker-configuration.d.ts);
// variables are what middleware puts on the context for the routes.
import type { BatchItem } from "drizzle-orm/batch";
import type { Actor } from "../security/roles";

/** A D1 write a route leaves to the audit entry's batch: written with it, before the answer on /api. */
export type WriteAlongsideAudit = BatchItem<"sqlite">;

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    actor: Actor;
    /** D1 writes that go in the request's audit batch (audit-trail.ts). */
    alongsideAudit: WriteAlongsideAudit[];
    /** Set by a route that wrote the request's audit entry in its own batch (an accepted webhook). */
    auditWritten: boolean;
  };
}
