// Hono's environment: the bindings come from `wrangler types` (worker-configuration.d.ts);
// variables are what middleware puts on the context for the routes.
import type { Actor } from "./security/roles";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    actor: Actor;
  };
}
