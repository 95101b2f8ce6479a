// A scriptable HTTP endpoint on 127.0.0.1 for the end-to-end tests, the examples and the
// benchmark: it records every request (timing, overlap, Idempotency-Key) so a test can
// assert on what Waymark actually sent, not on what it says it sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  /** 1-based arrival order, unique for the receiver's lifetime. */
  seq: number;
  method: string;
  /** The path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  idempotencyKey: string | null;
  /** Parsed JSON when the body is JSON, else the text; null when empty. */
  body: unknown;
  /** performance.now() timestamps, in ms. */
  arrivedAt: number;
  completedAt: number | null;
  /** The status sent, or null when the client went away before the answer. */
  status: number | null;
  /** True when the connection closed before the full answer was written. */
  aborted: boolean;
  /** Requests in flight (this one included) when it arrived. */
  inFlightOnArrival: number;
}

export interface KeyCount {
  key: string;
  count: number;
}

/**
 * Routes:
 * - `/ok[/…]`: 200 with a JSON echo `{seq, method, path, query, body, idempotencyKey}`.
 * - `/flaky/<name>?fail=N`: the first N calls per name answer 503, later ones as `/ok`;
 *   `heal(name)` makes the next calls succeed whatever N says.
 * - `/slow?ms=N`: answers as `/ok` after N ms (stays in flight meanwhile).
 * - `/status/<code>`: answers `code` with a JSON body.
 * Anything else is 404.
 */
export class MockReceiver {
  readonly requests: RecordedRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private nextSeq = 1;
  private readonly flakyCalls = new Map<string, number>();
  private readonly healed = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<MockReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const receiver = new MockReceiver(server, `http://127.0.0.1:${port}`);
    server.on("request", (req, res) => void receiver.handle(req, res));
    return receiver;
  }

  /** Requests whose query or Idempotency-Key mention `runId` (tests put `run={{ run.id }}` in URLs). */
  requestsFor(runId: string): RecordedRequest[] {
    return this.requests.filter((r) => r.query.run === runId || r.idempotencyKey?.startsWith(`${runId}:`));
  }

  requestsTo(pathPrefix: string): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.path === pathPrefix || r.path.startsWith(pathPrefix.endsWith("/") ? pathPrefix : `${pathPrefix}/`),
    );
  }

  /** Every distinct Idempotency-Key seen (optionally among `requests`), with how often it arrived. */
  idempotencyKeys(requests: RecordedRequest[] = this.requests): KeyCount[] {
    const counts = new Map<string, number>();
    for (const r of requests)
      if (r.idempotencyKey !== null) counts.set(r.idempotencyKey, (counts.get(r.idempotencyKey) ?? 0) + 1);
    return [...counts].map(([key, count]) => ({ key, count }));
  }

  /** Deliveries beyond the first of each Idempotency-Key. */
  repeatedDeliveries(requests: RecordedRequest[] = this.requests): number {
    return this.idempotencyKeys(requests).reduce((sum, { count }) => sum + count - 1, 0);
  }

  /** The most of `requests` that were in flight at the same moment. */
  static peakConcurrency(requests: RecordedRequest[]): number {
    const edges = requests.flatMap((r) => [
      { at: r.arrivedAt, delta: 1 },
      { at: r.completedAt ?? Number.POSITIVE_INFINITY, delta: -1 },
    ]);
    // At equal times, count the end first: touching intervals do not overlap.
    edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let current = 0;
    let peak = 0;
    for (const edge of edges) peak = Math.max(peak, (current += edge.delta));
    return peak;
  }

  /** Forgets what was recorded (between phases of a benchmark, say); requests in flight still finish. */
  reset(): void {
    this.requests.length = 0;
    this.maxInFlight = this.inFlight;
  }

  heal(name: string): void {
    this.healed.add(name);
  }

  /** Calls `predicate` until it holds; for waiting on traffic without fixed sleeps. */
  async waitFor(
    predicate: (receiver: this) => boolean,
    timeoutMs = 30_000,
    what = "the receiver condition",
  ): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!predicate(this)) {
      if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const url = new URL(req.url ?? "/", this.url);
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(", ") : (value ?? ""),
      ]),
    );
    const record: RecordedRequest = {
      seq: this.nextSeq++,
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      idempotencyKey: headers["idempotency-key"] ?? null,
      body: null,
      arrivedAt,
      completedAt: null,
      status: null,
      aborted: false,
      inFlightOnArrival: this.inFlight,
    };
    this.requests.push(record);
    res.on("close", () => {
      this.inFlight -= 1;
      record.completedAt = performance.now();
      record.aborted = !res.writableFinished;
      if (record.aborted) record.status = null;
    });
    try {
      record.body = await readBody(req);
      await this.route(record, res);
    } catch (error) {
      if (!res.headersSent && !res.destroyed) this.send(record, res, 500, { error: String(error) });
    }
  }

  private async route(record: RecordedRequest, res: ServerResponse): Promise<void> {
    const [first, second] = record.path.split("/").filter(Boolean);
    if (first === "ok") return this.send(record, res, 200, echo(record));
    if (first === "slow") {
      const ms = Number(record.query.ms ?? 1000);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => (this.timers.delete(timer), resolve()), ms);
        this.timers.add(timer);
        res.on("close", () => (clearTimeout(timer), this.timers.delete(timer), resolve()));
      });
      return this.send(record, res, 200, echo(record));
    }
    if (first === "flaky" && second) {
      const calls = (this.flakyCalls.get(second) ?? 0) + 1;
      this.flakyCalls.set(second, calls);
      const failing = !this.healed.has(second) && calls <= Number(record.query.fail ?? 1);
      return failing
        ? this.send(record, res, 503, { error: "unavailable", call: calls })
        : this.send(record, res, 200, { ...echo(record), call: calls });
    }
    if (first === "status" && second && /^[1-5]\d\d$/.test(second))
      return this.send(record, res, Number(second), { status: Number(second), seq: record.seq });
    return this.send(record, res, 404, { error: "no such route", path: record.path });
  }

  private send(record: RecordedRequest, res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    record.status = status;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }
}

function echo(record: RecordedRequest) {
  return {
    seq: record.seq,
    method: record.method,
    path: record.path,
    query: record.query,
    body: record.body,
    idempotencyKey: record.idempotencyKey,
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return null;
  if (!/json/i.test(req.headers["content-type"] ?? "")) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
