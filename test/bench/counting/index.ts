// The bench's Waymark entry (`main` of the wrangler.toml copy test/bench/systems.ts writes):
// the real Worker and its Durable Object classes, unchanged, except that each sees `env.DB`
// through a counter of D1 round trips (d1-counter.ts). `GET /__bench/d1` answers the counts
// so far in this isolate; the bench reads them before and after a batch of runs. Everything
// else is Waymark's own handler.
import worker, {
  IndexWriter as Writer,
  IntakeShard as Intake,
  RunCoordinator as Run,
  RunWatchdog as Watchdog,
  WorkflowGate as Gate,
} from "../../../src/index.ts";
import { countingEnv, D1_COUNTS_PATH, d1Counts } from "./d1-counter.ts";

export class RunCoordinator extends Run {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countingEnv(env, "RunCoordinator"));
  }
}

export class WorkflowGate extends Gate {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countingEnv(env, "WorkflowGate"));
  }
}

export class RunWatchdog extends Watchdog {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countingEnv(env, "RunWatchdog"));
  }
}

export class IntakeShard extends Intake {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countingEnv(env, "IntakeShard"));
  }
}

export class IndexWriter extends Writer {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countingEnv(env, "IndexWriter"));
  }
}

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === D1_COUNTS_PATH) return Response.json(d1Counts());
    return worker.fetch(request, countingEnv(env, "fetch"), ctx);
  },
  queue(batch, env) {
    return worker.queue(batch, countingEnv(env, "queue"));
  },
  scheduled(controller, env) {
    return worker.scheduled(controller, countingEnv(env, "scheduled"));
  },
} satisfies ExportedHandler<Env>;
