// The flows the bench runs, as Waymark definitions; peer/index.ts has the same flows as
// Cloudflare Workflows. Each computes a number from its input `n`, so every run's output
// can be checked: correctness is measured with the speed, never traded for it.

export type FlowName = "seq1" | "seq5" | "http5" | "parallel10" | "sleep1";

/** What a run of `flow` with input `n` must output, on both systems. */
export function expectedOutput(flow: FlowName, n: number): number {
  if (flow === "seq1") return n + 1;
  if (flow === "parallel10") return 10 * n + 55;
  if (flow === "sleep1") return n + 1;
  return n + 5;
}

/** The peer's Workflow (peer/index.ts) and its params for each flow. */
export const PEER_FLOWS: Record<FlowName, { workflow: string; params: (n: number, mockUrl: string) => object }> = {
  seq1: { workflow: "sequential", params: (n) => ({ n, steps: 1 }) },
  seq5: { workflow: "sequential", params: (n) => ({ n, steps: 5 }) },
  http5: { workflow: "http", params: (n, url) => ({ n, steps: 5, url }) },
  parallel10: { workflow: "parallel", params: (n) => ({ n }) },
  sleep1: { workflow: "sleep", params: (n) => ({ n }) },
};

const chain = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    id: `s${i + 1}`,
    type: "transform",
    ...(i > 0 ? { needs: [`s${i}`] } : {}),
    expr: i === 0 ? "input.n + 1" : `steps.s${i}.output + 1`,
  }));

const httpChain = (count: number, mockUrl: string) =>
  Array.from({ length: count }, (_, i) => ({
    id: `h${i + 1}`,
    type: "http",
    ...(i > 0 ? { needs: [`h${i}`] } : {}),
    request: {
      method: "POST",
      url: `${mockUrl}/ok?step=h${i + 1}`,
      body: { v: i === 0 ? "{{ input.n + 1 }}" : `{{ steps.h${i}.output.body.body.v + 1 }}` },
    },
  }));

const parallel = () => {
  const parts = Array.from({ length: 10 }, (_, i) => ({
    id: `p${i + 1}`,
    type: "transform",
    expr: `input.n + ${i + 1}`,
  }));
  const join = {
    id: "join",
    type: "transform",
    needs: parts.map((p) => p.id),
    expr: `$sum([${parts.map((p) => `steps.${p.id}.output`).join(", ")}])`,
  };
  return [...parts, join];
};

/** Waymark's definition of each flow (workflow id `bench-<flow>`). */
export function waymarkDefinition(flow: FlowName, mockUrl: string): object {
  const api = [{ type: "api" }];
  if (flow === "seq1") return { id: "bench-seq1", triggers: api, steps: chain(1), output: "steps.s1.output" };
  if (flow === "seq5") return { id: "bench-seq5", triggers: api, steps: chain(5), output: "steps.s5.output" };
  if (flow === "http5")
    return { id: "bench-http5", triggers: api, steps: httpChain(5, mockUrl), output: "steps.h5.output.body.body.v" };
  if (flow === "parallel10")
    return { id: "bench-parallel10", triggers: api, steps: parallel(), output: "steps.join.output" };
  return {
    id: "bench-sleep1",
    triggers: api,
    steps: [
      { id: "before", type: "transform", expr: "input.n" },
      { id: "nap", type: "sleep", needs: ["before"], duration: "1s" },
      { id: "after", type: "transform", needs: ["nap"], expr: "steps.before.output + 1" },
    ],
    output: "steps.after.output",
  };
}

/** A map of `count` transform items (growth scenario); output: count and sum of squares. */
export const MAP_WORKFLOW = {
  id: "bench-map",
  triggers: [{ type: "api" }],
  steps: [
    {
      id: "square",
      type: "map",
      items: "[1..input.count]",
      concurrency: 50,
      step: { type: "transform", expr: "item * item" },
    },
  ],
  output: "{ 'count': $count(steps.square.output), 'sum': $sum(steps.square.output) }",
};

export const mapOutput = (count: number) => ({ count, sum: (count * (count + 1) * (2 * count + 1)) / 6 });

export const HOOK_WORKFLOW = "bench-hook";

/** A webhook with real shared-token verification, deduped on X-Request-Id; the run echoes the body. */
export const hookDefinition = () => ({
  id: HOOK_WORKFLOW,
  triggers: [
    {
      type: "webhook",
      verify: { scheme: "token", secret: "{{ secrets.BENCH_HOOK_TOKEN }}", idHeader: "X-Request-Id" },
    },
  ],
  steps: [{ id: "echo", type: "transform", expr: "input" }],
  output: "steps.echo.output",
});
