// Where a request's time goes, at idle (one request at a time, p50): the Worker and its
// middleware alone, a D1 read, a Durable Object read, a full run start and a webhook
// acknowledgement. Compared with each other they show what each hop costs; under load
// (scenarios a, e, g) the same hops queue behind one another.
import { HOOK_WORKFLOW } from "../flows.ts";
import { percentile } from "../stats.ts";
import { HOOK_TOKEN } from "./webhook.ts";
import type { Context, Measured, Scenario } from "./scenario.ts";

async function timed(
  context: Context,
  request: (i: number) => Promise<Response>,
  expected: number[],
): Promise<Measured> {
  const latencies: number[] = [];
  const errors: string[] = [];
  for (let i = 0; i < context.options.ceiling.idle; i++) {
    const started = performance.now();
    const response = await request(i);
    await response.text();
    latencies.push(performance.now() - started);
    if (!expected.includes(response.status)) errors.push(`probe answered ${response.status}`);
  }
  return {
    value: percentile(latencies, 50),
    errors,
    detail: { requests: latencies.length, p90Ms: percentile(latencies, 90) },
  };
}

const auth = (context: Context) => ({
  authorization: `Bearer ${context.workers.waymark.vars.WAYMARK_ADMIN_TOKEN}`,
  "content-type": "application/json",
});
let probeRun = "";
let nonce = 0;

const probe = (
  id: string,
  title: string,
  request: (context: Context, i: number) => Promise<Response>,
  expected = [200],
): Scenario => ({
  id,
  title,
  unit: "ms",
  better: "lower",
  ...(id === "p-health" ? { ceiling: "ceil-health" } : id === "p-start" ? { ceiling: "ceil-idle" } : {}),
  measure: { waymark: (context) => timed(context, (i) => request(context, i), expected) },
});

export const probeScenarios = (): Scenario[] => [
  probe("p-health", "idle: GET /api/health (Worker + middleware)", (c) => fetch(`${c.workers.waymark.url}/api/health`)),
  probe("p-d1", "idle: GET /api/workflows/{id} (D1 reads)", (c) =>
    fetch(`${c.workers.waymark.url}/api/workflows/bench-seq1`, { headers: auth(c) }),
  ),
  probe(
    "p-start",
    "idle: start a 1-step run (202)",
    async (c) => {
      const response = await fetch(`${c.workers.waymark.url}/api/workflows/bench-seq1/runs`, {
        method: "POST",
        headers: auth(c),
        body: JSON.stringify({ input: { n: 1 } }),
      });
      probeRun = ((await response.clone().json()) as { run: { id: string } }).run.id;
      return response;
    },
    [202],
  ),
  probe("p-run", "idle: GET /api/runs/{id} (DO read)", (c) =>
    fetch(`${c.workers.waymark.url}/api/runs/${probeRun}`, { headers: auth(c) }),
  ),
  probe(
    "p-hook",
    "idle: webhook delivery acknowledged (202)",
    (c) =>
      fetch(`${c.workers.waymark.url}/hooks/${HOOK_WORKFLOW}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-webhook-token": HOOK_TOKEN,
          "x-request-id": `probe-${HOOK_TOKEN.slice(0, 6)}-${++nonce}`,
        },
        body: JSON.stringify({ probe: nonce }),
      }),
    [202],
  ),
];
