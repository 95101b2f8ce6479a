// One way to drive both systems, so they are measured the same way: each instance is started
// with one HTTP request from here, and instances are polled in batches (the newest few until
// they are done, then one sweep of the rest), so polling stays light whatever the count.
// Each system reports its own finish time; a run counts as finished no earlier than its
// start was acknowledged.
import { expectedOutput, PEER_FLOWS, type FlowName } from "./flows.ts";
import { chunks, pooled, sleep } from "./stats.ts";

export interface Outcome {
  id: string;
  finished: boolean;
  succeeded: boolean;
  output: unknown;
  /** The system's own clock (epoch ms) when the run finished; null until it has. */
  finishedAt: number | null;
}

export interface Runner {
  readonly system: "waymark" | "peer";
  /** `finished`: the start's own answer says the run has already finished. */
  start(flow: FlowName, n: number): Promise<{ id: string; finished: boolean }>;
  outcomes(flow: FlowName, ids: string[]): Promise<Outcome[]>;
}

export interface Started {
  id: string;
  n: number;
  sentAt: number;
  ackedAt: number;
}

export interface BatchResult {
  started: Started[];
  outcomes: Map<string, Outcome>;
  errors: string[];
  /** Epoch ms: first start sent, and the last run finished (system clock, not before its ack). */
  t0: number;
  tEnd: number;
}

const PROBE = 8;
const SWEEP_BATCH = 100;
const POLL_MS = 50;

/** Starts `count` runs of `flow` with at most `inFlight` start requests at once, waits for all, checks all. */
export async function runBatch(
  runner: Runner,
  flow: FlowName,
  count: number,
  inFlight: number,
  timeoutMs: number,
  base = 0,
): Promise<BatchResult> {
  const errors: string[] = [];
  const outcomes = new Map<string, Outcome>();
  const t0 = Date.now();
  const started = (
    await pooled(
      Array.from({ length: count }, (_, i) => base + i),
      inFlight,
      async (n): Promise<Started | null> => {
        const sentAt = Date.now();
        try {
          const { id } = await runner.start(flow, n);
          return { id, n, sentAt, ackedAt: Date.now() };
        } catch (error) {
          errors.push(`start ${flow} n=${n}: ${String(error)}`);
          return null;
        }
      },
    )
  ).filter((s): s is Started => s !== null);
  await awaitAll(runner, flow, started, outcomes, timeoutMs, errors);
  let tEnd = t0;
  for (const run of started) {
    const outcome = outcomes.get(run.id);
    if (!outcome) continue;
    if (!outcome.succeeded) errors.push(`${runner.system} ${flow} ${run.id}: did not succeed`);
    else if (JSON.stringify(outcome.output) !== JSON.stringify(expectedOutput(flow, run.n)))
      errors.push(
        `${runner.system} ${flow} ${run.id}: output ${JSON.stringify(outcome.output)}, expected ${expectedOutput(flow, run.n)}`,
      );
    tEnd = Math.max(tEnd, outcome.finishedAt ?? 0, run.ackedAt);
  }
  return { started, outcomes, errors, t0, tEnd };
}

/** Polls until every started run has finished (or the deadline passes: each one left is an error). */
export async function awaitAll(
  runner: Runner,
  flow: FlowName,
  started: Started[],
  outcomes: Map<string, Outcome>,
  timeoutMs: number,
  errors: string[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const open = () => started.filter((run) => !outcomes.has(run.id)).map((run) => run.id);
  for (;;) {
    let left = open();
    if (left.length === 0) return;
    const probe = await runner.outcomes(flow, left.slice(-PROBE));
    for (const outcome of probe) if (outcome.finished) outcomes.set(outcome.id, outcome);
    if (probe.every((outcome) => outcome.finished)) {
      for (const batch of chunks(open(), SWEEP_BATCH))
        for (const outcome of await runner.outcomes(flow, batch))
          if (outcome.finished) outcomes.set(outcome.id, outcome);
    }
    left = open();
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      errors.push(`${runner.system} ${flow}: ${left.length} runs unfinished after ${timeoutMs} ms (first: ${left[0]})`);
      return;
    }
    await sleep(POLL_MS);
  }
}

const FINISHED = ["succeeded", "failed", "cancelled", "timed_out"];

interface RunBody {
  id: string;
  status: string;
  output: unknown;
  finishedAt: string | null;
  storageBytes?: number;
}

const toOutcome = (run: RunBody): Outcome => ({
  id: run.id,
  finished: FINISHED.includes(run.status),
  succeeded: run.status === "succeeded",
  output: run.output,
  finishedAt: run.finishedAt ? Date.parse(run.finishedAt) : null,
});

export class WaymarkRunner implements Runner {
  readonly system = "waymark" as const;
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown, expected: number[] = [200]): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!expected.includes(response.status))
      throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  async start(flow: FlowName, n: number) {
    const { run } = await this.call<{ run: RunBody }>(
      "POST",
      `/api/workflows/bench-${flow}/runs`,
      { input: { n } },
      [202],
    );
    return { id: run.id, finished: FINISHED.includes(run.status) };
  }

  run(id: string): Promise<Outcome & { storageBytes: number | null }> {
    return this.call<RunBody>("GET", `/api/runs/${id}`).then((run) => ({
      ...toOutcome(run),
      storageBytes: run.storageBytes ?? null,
    }));
  }

  outcomes(_flow: FlowName, ids: string[]): Promise<Outcome[]> {
    return pooled(ids, 16, (id) => this.run(id));
  }
}

export class PeerRunner implements Runner {
  readonly system = "peer" as const;
  constructor(
    readonly url: string,
    private readonly mockUrl: string,
  ) {}

  async start(flow: FlowName, n: number) {
    const { workflow, params } = PEER_FLOWS[flow];
    const response = await fetch(`${this.url}/start?flow=${workflow}`, {
      method: "POST",
      body: JSON.stringify(params(n, this.mockUrl)),
    });
    if (!response.ok) throw new Error(`peer start answered ${response.status}: ${await response.text()}`);
    return { id: ((await response.json()) as { id: string }).id, finished: false };
  }

  async outcomes(flow: FlowName, ids: string[]): Promise<Outcome[]> {
    const response = await fetch(`${this.url}/status?flow=${PEER_FLOWS[flow].workflow}`, {
      method: "POST",
      body: JSON.stringify({ ids }),
    });
    if (!response.ok) throw new Error(`peer status answered ${response.status}: ${await response.text()}`);
    const statuses = (await response.json()) as {
      id: string;
      status: string;
      output: { value: unknown; finishedAt: number } | null;
    }[];
    return statuses.map((s) => ({
      id: s.id,
      finished: ["complete", "errored", "terminated"].includes(s.status),
      succeeded: s.status === "complete",
      output: s.output?.value,
      finishedAt: s.output?.finishedAt ?? null,
    }));
  }
}
