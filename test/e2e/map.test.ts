// Map steps on the real stack: growth is linear. Maps of 1,000, 10,000 and 100,000
// transform items, and http maps whose items go through the queue to a receiver on
// loopback, print their wall time and Durable Object storage per item. Figures are
// printed, not asserted (the machines are shared and noisy); correctness is asserted.
import { describe, expect, it } from "vitest";
import { useReceiver, useStack } from "../support/stack";
import { stepOf, type RunView } from "../support/waymark-client";

const stack = useStack("map");
const receiver = useReceiver();
const api = () => stack.current.api;

const transformMap = (id: string) => ({
  id,
  triggers: [{ type: "api" }],
  steps: [
    {
      id: "square",
      type: "map",
      items: "[1..input.count]",
      concurrency: 50,
      step: { type: "transform", expr: "{ 'n': item, 'square': item * item }" },
    },
  ],
  output: "{ 'count': $count(steps.square.output), 'sum': $sum(steps.square.output.square) }",
});

const httpMap = (id: string, url: string) => ({
  id,
  triggers: [{ type: "api" }],
  steps: [
    {
      id: "notify",
      type: "map",
      items: "[1..input.count]",
      concurrency: 8,
      step: {
        type: "http",
        request: { method: "POST", url: `${url}/ok`, body: { n: "{{ item }}", at: "{{ index }}" } },
      },
    },
  ],
  output: "{ 'count': $count(steps.notify.output), 'order': steps.notify.output.body.body.at }",
});

interface Figure {
  items: number;
  ms: number;
  bytes: number;
}

async function timedRun(
  workflowId: string,
  count: number,
  timeoutMs: number,
): Promise<{ run: RunView; figure: Figure }> {
  const started = performance.now();
  const { id } = await api().startRun(workflowId, { count });
  const run = await api().waitForFinish(id, timeoutMs);
  const ms = performance.now() - started;
  return { run, figure: { items: count, ms, bytes: run.storageBytes ?? 0 } };
}

function report(title: string, figures: Figure[]): void {
  const small = figures[0]!;
  const large = figures.at(-1)!;
  const line = (f: Figure) =>
    `${String(f.items).padStart(6)} items: ${f.ms.toFixed(0).padStart(6)} ms (${((f.ms * 1000) / f.items).toFixed(0)} µs/item), storage ${(f.bytes / 1024).toFixed(0)} KiB (${(f.bytes / f.items).toFixed(0)} B/item)`;
  console.log(
    [
      `map growth, ${title}:`,
      ...figures.map(line),
      `  ×${large.items / small.items} items → time ×${(large.ms / small.ms).toFixed(2)}, storage ×${(large.bytes / small.bytes).toFixed(2)} (linear: ×${large.items / small.items}; fixed costs make small maps dearer per item)`,
      `  each item beyond the first ${small.items}: ${(((large.ms - small.ms) * 1000) / (large.items - small.items)).toFixed(0)} µs, ${((large.bytes - small.bytes) / (large.items - small.items)).toFixed(0)} B`,
    ].join("\n"),
  );
}

describe("a map on the real stack", () => {
  it("maps 100,000 items with time and storage growing linearly", async () => {
    await api().putWorkflow(transformMap("e2e-map-transform"));
    const figures: Figure[] = [];
    for (const count of [1_000, 10_000, 100_000]) {
      const { run, figure } = await timedRun("e2e-map-transform", count, 180_000);
      expect(run.status).toBe("succeeded");
      expect(run.output).toEqual({ count, sum: (count * (count + 1) * (2 * count + 1)) / 6 });
      expect(stepOf(run, "square")).toMatchObject({
        items: { total: count, succeeded: count, running: 0, pending: 0 },
      });
      figures.push(figure);
    }
    report("transform items (one transition)", figures);
  }, 240_000);

  it("sends http items through the queue at most `concurrency` at once, each once, in item order", async () => {
    await api().putWorkflow(httpMap("e2e-map-http", receiver.current.url));
    const figures: Figure[] = [];
    for (const count of [100, 400]) {
      const before = receiver.current.requests.length;
      const { run, figure } = await timedRun("e2e-map-http", count, 180_000);
      expect(run.status).toBe("succeeded");
      expect(run.output).toEqual({ count, order: [...Array(count).keys()] });
      const keys = receiver.current.idempotencyKeys(receiver.current.requests.slice(before));
      expect(keys).toHaveLength(count);
      expect(keys.map((key) => key.key).sort()).toEqual(
        [...Array(count).keys()].map((index) => `${run.id}:notify:${index}`).sort(),
      );
      figures.push(figure);
    }
    expect(receiver.current.maxInFlight).toBeLessThanOrEqual(8);
    console.log(`http map: at most ${receiver.current.maxInFlight} requests in flight (concurrency 8)`);
    report("http items (a queue hop and a transition each)", figures);
  }, 400_000);
});
