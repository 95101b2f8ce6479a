// Completed runs per second (scenarios a, b, c, e): start N runs through each system's HTTP
// front, wait for all, check every output. Rate = N / (last finish − first start sent).
import type { FlowName } from "../flows.ts";
import { runBatch, type Runner } from "../runners.ts";
import { groupUsage } from "../systems.ts";
import { percentile } from "../stats.ts";
import type { Context, Measured, Scenario } from "./scenario.ts";

const TIMEOUT_MS = 180_000;

/** Distinct inputs per batch, so a run can never be mistaken for another batch's. */
let nextBase = 1_000_000;

export async function throughput(
  context: Context,
  runner: Runner,
  flow: FlowName,
  count: number,
  inFlight: number,
): Promise<Measured> {
  const worker = runner.system === "waymark" ? context.workers.waymark : context.workers.peer;
  if (flow === "http5") context.mock.reset();
  const cpuBefore = groupUsage(worker).cpuMs;
  const benchCpuBefore = process.cpuUsage();
  const base = (nextBase += 100_000);
  const batch = await runBatch(runner, flow, count, inFlight, TIMEOUT_MS, base);
  const cpuMs = groupUsage(worker).cpuMs - cpuBefore;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const acks = batch.started.map((run) => run.ackedAt - run.sentAt);
  const wallMs = Math.max(1, batch.tEnd - batch.t0);
  return {
    value: (batch.started.length * 1000) / wallMs,
    errors: batch.errors,
    detail: {
      runs: count,
      wallMs,
      startsMs: Math.max(...batch.started.map((run) => run.ackedAt)) - batch.t0,
      startAckP50Ms: percentile(acks, 50),
      startAckP99Ms: percentile(acks, 99),
      cpuMsPerRun: cpuMs / count,
      benchCpuMsPerRun: (benchCpu.user + benchCpu.system) / 1000 / count,
      ...(flow === "http5" ? { mockRequests: context.mock.requests.length } : {}),
      ...(runner.system === "waymark" ? { sampleRun: batch.started[0]?.id } : {}),
    },
  };
}

const flowScenario = (
  id: string,
  flow: FlowName,
  title: string,
  count: (context: Context) => number,
  extra: Partial<Scenario> = {},
): Scenario => ({
  id,
  title,
  unit: "runs/s",
  better: "higher",
  ceiling: "ceil-write",
  measure: {
    waymark: (context) => throughput(context, context.waymark, flow, count(context), context.options.inFlight),
    peer: (context) => throughput(context, context.peer, flow, count(context), context.options.inFlight),
  },
  ...extra,
});

export const throughputScenarios = (): Scenario[] => [
  flowScenario("a1", "seq1", "1-step transform", (c) => c.options.runs.seq1),
  flowScenario("a5", "seq5", "5-step transform", (c) => c.options.runs.seq5, {
    target: {
      text: "W/peer ≥ 2.5, W/ceil ≥ 0.6",
      check: ({ waymark, peer, ceiling }) =>
        waymark !== null && peer !== null && ceiling !== null && waymark / peer >= 2.5 && waymark / ceiling >= 0.6,
    },
  }),
  flowScenario("b", "http5", "5-step http (local mock)", (c) => c.options.runs.http5, {
    target: {
      text: "W/peer ≥ 3, ≥ 0.6× a5",
      check: ({ waymark, peer }, waymarkOf) => {
        const a5 = waymarkOf("a5");
        return waymark !== null && peer !== null && a5 !== null && waymark / peer >= 3 && waymark / a5 >= 0.6;
      },
    },
  }),
  flowScenario("c", "parallel10", "10 parallel + join", (c) => c.options.runs.parallel10),
];

/** Scenario e: N runs of the 5-step flow started at once through the API. */
export const concurrentScenarios = (sizes: number[], peerSizes: number[]): Scenario[] =>
  sizes.map((size) => ({
    id: `e${size}`,
    title: `${size} concurrent 5-step runs`,
    unit: "runs/s",
    better: "higher",
    ceiling: "ceil-write",
    ...(size > 200 ? { inRound: (round: number) => round === 1 } : {}),
    measure: {
      waymark: (context) =>
        throughput(context, context.waymark, "seq5", size, Math.min(size, context.options.concurrentInFlight)),
      ...(peerSizes.includes(size)
        ? {
            peer: (context: Context) =>
              throughput(context, context.peer, "seq5", size, Math.min(size, context.options.concurrentInFlight)),
          }
        : {}),
    },
  }));
