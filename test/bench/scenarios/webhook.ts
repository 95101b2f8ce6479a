// Scenario g: webhook acknowledgement latency with N deliveries at once, through the real
// shared-token verification. Every delivery must be acknowledged 202 with its own run, and
// every one of those runs must succeed with the delivered body as output: none lost.
import { randomBytes } from "node:crypto";
import { HOOK_WORKFLOW } from "../flows.ts";
import { awaitAll, type Outcome, type Started } from "../runners.ts";
import { percentile } from "../stats.ts";
import type { Context, Measured, Scenario } from "./scenario.ts";

export const HOOK_TOKEN = randomBytes(24).toString("hex");
const IDLE_DELIVERIES = 10;

interface Ack {
  requestId: string;
  body: { i: number; round: number };
  status: number;
  runId: string | null;
  sentAt: number;
  latencyMs: number;
}

export async function deliver(context: Context, requestId: string, body: Ack["body"]): Promise<Ack> {
  const sentAt = Date.now();
  const started = performance.now();
  try {
    const response = await fetch(`${context.workers.waymark.url}/hooks/${HOOK_WORKFLOW}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-webhook-token": HOOK_TOKEN, "x-request-id": requestId },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const latencyMs = performance.now() - started;
    const runId = response.status === 202 ? ((JSON.parse(text) as { runId?: string }).runId ?? null) : null;
    return { requestId, body, status: response.status, runId, sentAt, latencyMs };
  } catch {
    return { requestId, body, status: 0, runId: null, sentAt, latencyMs: performance.now() - started };
  }
}

async function webhookBurst(context: Context, round: number): Promise<Measured> {
  const count = context.options.webhookDeliveries;
  const idle: Ack[] = [];
  for (let i = 0; i < IDLE_DELIVERIES; i++)
    idle.push(await deliver(context, `idle-${round}-${i}-${HOOK_TOKEN.slice(0, 6)}`, { i: -1 - i, round }));
  const acks = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      deliver(context, `burst-${round}-${i}-${HOOK_TOKEN.slice(0, 6)}`, { i, round }),
    ),
  );
  const errors = [...idle, ...acks]
    .filter((ack) => ack.status !== 202 || !ack.runId)
    .map((ack) => `delivery ${ack.requestId}: answered ${ack.status}`);
  const outcomes = await awaitDelivered(context, [...idle, ...acks], errors);
  const latencies = acks.map((ack) => ack.latencyMs);
  const lastFinish = Math.max(...[...outcomes.values()].map((o) => o.finishedAt ?? 0));
  return {
    value: percentile(latencies, 99),
    errors,
    detail: {
      deliveries: count,
      p50Ms: percentile(latencies, 50),
      maxMs: Math.max(...latencies),
      idleAckP50Ms: percentile(
        idle.map((ack) => ack.latencyMs),
        50,
      ),
      acknowledged: acks.filter((ack) => ack.status === 202).length,
      runsSucceeded: [...outcomes.values()].filter((o) => o.succeeded).length,
      allRunsDoneAfterMs: lastFinish - Math.min(...acks.map((ack) => ack.sentAt)),
    },
  };
}

/**
 * Waits for the runs of the acknowledged deliveries and checks them (errors are added): one
 * run per delivery, each succeeded with the delivered body as output.
 */
export async function awaitDelivered(context: Context, acks: Ack[], errors: string[]): Promise<Map<string, Outcome>> {
  const accepted = acks.filter((ack) => ack.runId);
  if (new Set(accepted.map((ack) => ack.runId)).size !== accepted.length)
    errors.push("two deliveries acknowledged with the same run");
  const started: Started[] = accepted.map((ack) => ({
    id: ack.runId!,
    n: ack.body.i,
    sentAt: ack.sentAt,
    ackedAt: ack.sentAt,
  }));
  const outcomes = new Map<string, Outcome>();
  await awaitAll(context.waymark, "seq1", started, outcomes, 120_000, errors);
  for (const ack of accepted) {
    const outcome = outcomes.get(ack.runId!);
    if (outcome && (!outcome.succeeded || JSON.stringify(outcome.output) !== JSON.stringify(ack.body)))
      errors.push(`delivery ${ack.requestId} → ${ack.runId}: ${JSON.stringify(outcome)}`);
  }
  return outcomes;
}

export const webhookScenarios = (): Scenario[] => [
  {
    id: "g",
    title: "webhook ack p99, all deliveries at once",
    unit: "ms",
    better: "lower",
    // The floor of an acknowledgement that makes one durable write per delivery.
    ceiling: "ceil-burst-enqueue",
    measure: { waymark: webhookBurst },
    // Lost or doubled deliveries are errors of the scenario, which fail it whatever the figure.
    target: {
      text: "W/ceil ≤ 1.3, none lost",
      check: ({ waymark, ceiling }) => waymark !== null && ceiling !== null && waymark / ceiling <= 1.3,
    },
  },
];
