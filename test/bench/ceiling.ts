// Measurements of the ceiling Worker (ceiling/index.ts): what one request, one Durable
// Object RPC and one SQLite write cost on this machine, and how fast the local queue goes.
import { pooled, sleep } from "./stats.ts";

export interface CeilingFigures {
  count: number;
  perSecond: number;
  latencies: number[];
  errors: string[];
}

/** `count` POST /write requests, `inFlight` at a time, to the object `keyOf(i)` names (a fresh one each, by default). */
export async function httpWrites(
  url: string,
  count: number,
  inFlight: number,
  prefix: string,
  keyOf = (i: number) => `${prefix}-${i}`,
): Promise<CeilingFigures> {
  const errors: string[] = [];
  const latencies: number[] = [];
  const t0 = performance.now();
  await pooled(
    Array.from({ length: count }, (_, i) => i),
    inFlight,
    async (i) => {
      const sent = performance.now();
      try {
        const response = await fetch(`${url}/write?key=${keyOf(i)}`, { method: "POST" });
        await response.text();
        if (!response.ok) errors.push(`write ${i}: ${response.status}`);
      } catch (error) {
        errors.push(`write ${i}: ${String(error)}`);
      }
      latencies.push(performance.now() - sent);
    },
  );
  return { count, perSecond: (count * 1000) / (performance.now() - t0), latencies, errors };
}

/** `count` requests to `path` all at once (what a burst of webhook deliveries is), each one's latency. */
export async function burst(url: string, path: string, method: "GET" | "POST", count: number): Promise<CeilingFigures> {
  const errors: string[] = [];
  const t0 = performance.now();
  const latencies = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const sent = performance.now();
      try {
        const response = await fetch(`${url}${path}`, { method });
        await response.text();
        if (!response.ok) errors.push(`${path} ${i}: ${response.status}`);
      } catch (error) {
        errors.push(`${path} ${i}: ${String(error)}`);
      }
      return performance.now() - sent;
    }),
  );
  return { count, perSecond: (count * 1000) / (performance.now() - t0), latencies, errors };
}

/** One request that writes to `count` objects at once from inside the Worker. */
export async function fannedOutWrites(url: string, count: number, prefix: string): Promise<CeilingFigures> {
  const t0 = performance.now();
  const response = await fetch(`${url}/fanout?n=${count}&key=${prefix}`, { method: "POST" });
  const body = await response.text();
  const ms = performance.now() - t0;
  return {
    count,
    perSecond: (count * 1000) / ms,
    latencies: [ms],
    errors: response.ok ? [] : [`fanout: ${response.status} ${body.slice(0, 200)}`],
  };
}

/** Sends `count` messages in batches of 100 and waits for the consumer to have acked them all. */
export async function queueRoundTrip(
  url: string,
  count: number,
  round: string,
  timeoutMs: number,
): Promise<CeilingFigures> {
  const t0 = Date.now();
  const sent = await fetch(`${url}/queue?n=${count}&round=${round}`, { method: "POST" });
  if (!sent.ok)
    return { count, perSecond: 0, latencies: [], errors: [`queue send: ${sent.status} ${await sent.text()}`] };
  const deadline = t0 + timeoutMs;
  for (;;) {
    const state = (await (await fetch(`${url}/queue?round=${round}`)).json()) as { count: number; lastAt: number };
    if (state.count >= count)
      return {
        count,
        perSecond: (count * 1000) / Math.max(1, state.lastAt - t0),
        latencies: [],
        errors: state.count > count ? [`queue: ${state.count} acks for ${count} messages`] : [],
      };
    if (Date.now() > deadline)
      return {
        count,
        perSecond: 0,
        latencies: [],
        errors: [`queue: ${state.count} of ${count} acked after ${timeoutMs} ms`],
      };
    await sleep(20);
  }
}
