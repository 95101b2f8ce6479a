// The peer of the benchmark: Waymark's bench flows as Cloudflare Workflows. The bench starts
// each instance with one HTTP request (as it starts each Waymark run) and asks for the status
// of a batch of instances in one request; each instance returns its own finish time, so
// polling cadence never counts in a figure.
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";

interface PeerEnv {
  SEQUENTIAL: Workflow<FlowParams>;
  HTTP: Workflow<FlowParams>;
  PARALLEL: Workflow<FlowParams>;
  SLEEP: Workflow<FlowParams>;
}

/** `n`: the input number each flow computes with; `steps`: sequential length; `url`: the mock. */
interface FlowParams {
  n: number;
  steps?: number;
  url?: string;
}

/** Every flow returns its value and the moment it finished (the worker's clock, epoch ms). */
export interface FlowResult {
  value: unknown;
  finishedAt: number;
}

const done = (value: unknown): FlowResult => ({ value, finishedAt: Date.now() });

/** `steps` transforms in a row, each adding one: the output is n + steps (Waymark's "transform" flows). */
export class SequentialFlow extends WorkflowEntrypoint<PeerEnv, FlowParams> {
  override async run(event: WorkflowEvent<FlowParams>, step: WorkflowStep): Promise<FlowResult> {
    let value = event.payload.n;
    for (let i = 1; i <= (event.payload.steps ?? 5); i++) {
      const previous = value;
      value = await step.do(`s${i}`, async () => previous + 1);
    }
    return done(value);
  }
}

/** Five POSTs in a row to the mock, each sending the previous answer's echo plus one. */
export class HttpFlow extends WorkflowEntrypoint<PeerEnv, FlowParams> {
  override async run(event: WorkflowEvent<FlowParams>, step: WorkflowStep): Promise<FlowResult> {
    let value = event.payload.n;
    for (let i = 1; i <= (event.payload.steps ?? 5); i++) {
      const previous = value;
      value = await step.do(`h${i}`, async () => {
        const response = await fetch(`${event.payload.url}/ok?step=h${i}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ v: previous + 1 }),
        });
        if (!response.ok) throw new Error(`mock answered ${response.status}`);
        return ((await response.json()) as { body: { v: number } }).body.v;
      });
    }
    return done(value);
  }
}

/** Ten steps at once (n + 1 … n + 10), then a join summing them. */
export class ParallelFlow extends WorkflowEntrypoint<PeerEnv, FlowParams> {
  override async run(event: WorkflowEvent<FlowParams>, step: WorkflowStep): Promise<FlowResult> {
    const n = event.payload.n;
    const parts = await Promise.all(Array.from({ length: 10 }, (_, i) => step.do(`p${i + 1}`, async () => n + i + 1)));
    const sum = await step.do("join", async () => parts.reduce((a, b) => a + b, 0));
    return done(sum);
  }
}

/** One step, a one-second sleep, one step. */
export class SleepFlow extends WorkflowEntrypoint<PeerEnv, FlowParams> {
  override async run(event: WorkflowEvent<FlowParams>, step: WorkflowStep): Promise<FlowResult> {
    const before = await step.do("before", async () => event.payload.n);
    await step.sleep("nap", "1 second");
    const after = await step.do("after", async () => before + 1);
    return done(after);
  }
}

const FLOWS = { sequential: "SEQUENTIAL", http: "HTTP", parallel: "PARALLEL", sleep: "SLEEP" } as const;
type FlowName = keyof typeof FLOWS;

const isFlow = (name: string | null): name is FlowName => name !== null && name in FLOWS;

export default {
  async fetch(request: Request, env: PeerEnv): Promise<Response> {
    const url = new URL(request.url);
    const flow = url.searchParams.get("flow");
    if (url.pathname === "/health") return Response.json({ ok: true });
    if (!isFlow(flow))
      return Response.json({ error: `flow must be one of ${Object.keys(FLOWS).join(", ")}` }, { status: 400 });
    const binding = env[FLOWS[flow]];
    // POST /start?flow=…  {params} → {id}: one instance, as POST /api/workflows/{id}/runs is one run.
    if (url.pathname === "/start" && request.method === "POST") {
      const instance = await binding.create({ params: (await request.json()) as FlowParams });
      return Response.json({ id: instance.id });
    }
    // POST /status?flow=…  {ids} → [{id, status, output, error}]
    if (url.pathname === "/status" && request.method === "POST") {
      const { ids } = (await request.json()) as { ids: string[] };
      const statuses = await Promise.all(
        ids.map(async (id) => {
          const status = await (await binding.get(id)).status();
          return { id, status: status.status, output: status.output ?? null, error: status.error ?? null };
        }),
      );
      return Response.json(statuses);
    }
    return Response.json({ error: "not found" }, { status: 404 });
  },
};
