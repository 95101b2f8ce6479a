// A burst of webhook deliveries against the real stack: 500 concurrent signed
// Standard Webhooks deliveries, 450 distinct ids and 50 redeliveries of earlier ones. No
// delivery may be lost or doubled: every acknowledged id is exactly one run, every
// redelivery answers that run and starts nothing, and every run succeeds.
import { describe, expect, it } from "vitest";
import { pooled } from "../support/pool";
import { useStack } from "../support/stack";
import { standardHeaders, toBase64, unixSeconds } from "../support/webhook-signing";

const WORKFLOW = "e2e-webhook-burst";
const SECRET = `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(24)))}`;
const DISTINCT = 450;
const REDELIVERIES = 50;
const IN_FLIGHT = 100;
const MAX_TRIES = 10;

const stack = useStack("webhook-burst");
const api = () => stack.current.api;

interface Acknowledgement {
  deliveryId: string;
  status: number;
  body: { runId?: string; duplicate?: boolean };
  /** Request to response of the attempt that was acknowledged. */
  latencyMs: number;
  /** 503s with Retry-After that came before it. */
  retries: number;
}

/** Posts one signed delivery, retrying a 503 after its Retry-After as a provider would. */
async function deliver(deliveryId: string, index: number): Promise<Acknowledgement> {
  const body = JSON.stringify({ type: "order.created", data: { order: index, deliveryId } });
  for (let retries = 0; ; retries++) {
    const headers = {
      "content-type": "application/json",
      ...(await standardHeaders(SECRET, body, deliveryId, unixSeconds())),
    };
    const sent = performance.now();
    const response = await fetch(`${stack.current.url}/hooks/${WORKFLOW}`, { method: "POST", headers, body });
    const latencyMs = performance.now() - sent;
    const text = await response.text();
    const retryAfter = response.headers.get("retry-after");
    if (response.status === 503 && retryAfter !== null && retries < MAX_TRIES) {
      await new Promise((resolve) => setTimeout(resolve, Number(retryAfter) * 1000));
      continue;
    }
    return {
      deliveryId,
      status: response.status,
      body: text.startsWith("{") ? JSON.parse(text) : { text },
      latencyMs,
      retries,
    };
  }
}

interface Summary {
  id: string;
  status: string;
}

/** Every run of the workflow, through the API's pages. */
async function listAllRuns(): Promise<Summary[]> {
  const runs: Summary[] = [];
  let cursor: string | null = null;
  do {
    const page: { runs: Summary[]; nextCursor: string | null } = await api().listRuns({
      workflow: WORKFLOW,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    runs.push(...page.runs);
    cursor = page.nextCursor;
  } while (cursor);
  return runs;
}

async function waitUntilAllSucceeded(expected: number, timeoutMs: number): Promise<Summary[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await listAllRuns();
    if (runs.length === expected && runs.every((run) => run.status === "succeeded")) return runs;
    if (Date.now() > deadline) {
      const byStatus: Record<string, number> = {};
      for (const run of runs) byStatus[run.status] = (byStatus[run.status] ?? 0) + 1;
      throw new Error(
        `after ${timeoutMs} ms: ${runs.length} runs of ${expected} expected, by status ${JSON.stringify(byStatus)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

describe("a burst of webhook deliveries", () => {
  it("acknowledges all 500, each distinct delivery id as exactly one run that succeeds, redeliveries starting nothing", async () => {
    const stored = await api().request("PUT", "/api/secrets/BURST_SECRET", { value: SECRET });
    expect(stored.status).toBe(201);
    const definition = {
      id: WORKFLOW,
      triggers: [{ type: "webhook", verify: { scheme: "standard", secret: "{{ secrets.BURST_SECRET }}" } }],
      steps: [{ id: "echo", type: "transform", expr: "input" }],
    };
    await api().putWorkflow(definition);

    const distinct = Array.from({ length: DISTINCT }, (_, i) => `msg_burst_${String(i).padStart(3, "0")}`);
    const redelivered = Array.from(
      { length: REDELIVERIES },
      (_, i) => distinct[i * Math.floor(DISTINCT / REDELIVERIES)]!,
    );
    const started = performance.now();
    const acks = await pooled([...distinct, ...redelivered], IN_FLIGHT, deliver);
    const wallMs = performance.now() - started;

    const latencies = acks.map((ack) => ack.latencyMs).sort((a, b) => a - b);
    const retried = acks.filter((ack) => ack.retries > 0).length;
    console.log(
      `webhook burst: ${acks.length} deliveries (${IN_FLIGHT} in flight) in ${wallMs.toFixed(0)} ms; ` +
        `acknowledgement latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms; ${retried} retried after a 503`,
    );

    // Every delivery was acknowledged: 202 the first time its id was seen, 200 duplicate after.
    expect(acks.filter((ack) => ack.status !== 202 && ack.status !== 200)).toEqual([]);
    const accepted = new Map<string, string>();
    for (const ack of acks.filter((ack) => ack.status === 202)) {
      expect(accepted.has(ack.deliveryId), `two 202s for ${ack.deliveryId}`).toBe(false);
      accepted.set(ack.deliveryId, ack.body.runId!);
    }
    expect([...accepted.keys()].sort()).toEqual([...distinct].sort());
    const duplicates = acks.filter((ack) => ack.status === 200);
    expect(duplicates).toHaveLength(REDELIVERIES);
    for (const ack of duplicates)
      expect(ack.body, ack.deliveryId).toEqual({ runId: accepted.get(ack.deliveryId), duplicate: true });

    // Exactly the acknowledged runs exist, each for one delivery id, and all succeed.
    const runs = await waitUntilAllSucceeded(DISTINCT, 30_000);
    expect(new Set(runs.map((run) => run.id))).toEqual(new Set(accepted.values()));
    const views = await pooled(runs, 50, (run) => api().getRun(run.id));
    const deliveryOf = new Map(views.map((view) => [view.id, view.trigger.deliveryId as string]));
    expect(new Set(deliveryOf.values()).size).toBe(DISTINCT);
    for (const [deliveryId, runId] of accepted) expect(deliveryOf.get(runId), runId).toBe(deliveryId);
    expect(views.filter((view) => view.status !== "succeeded")).toEqual([]);
  });
});
