// The ceiling of the benchmark: the least work a run could cost on this runtime. A request
// that reaches one Durable Object and writes one SQLite row; the same fanned out inside one
// request (no HTTP per write); queue messages from send to the consumer's ack; and a
// request answered once it has put one message on the queue.
import { DurableObject } from "cloudflare:workers";

interface CeilingEnv {
  CELLS: DurableObjectNamespace<Cell>;
  PINGS: Queue<{ round: string }>;
}

/** One SQLite-backed object per key; `write` is one RPC, one INSERT. */
export class Cell extends DurableObject<CeilingEnv> {
  constructor(ctx: DurableObjectState, env: CeilingEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS writes (n INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL)",
    );
  }

  write(): number {
    this.ctx.storage.sql.exec("INSERT INTO writes (at) VALUES (?)", Date.now());
    return Date.now();
  }
}

/** Messages acknowledged per round, in this isolate (wrangler dev runs one). */
const received = new Map<string, { count: number; lastAt: number }>();

const QUEUE_BATCH = 100;

export default {
  async fetch(request: Request, env: CeilingEnv): Promise<Response> {
    const url = new URL(request.url);
    const key = url.searchParams.get("key") ?? crypto.randomUUID();
    if (url.pathname === "/health") return Response.json({ ok: true });
    // POST /write?key=…: one object, one write.
    if (url.pathname === "/write") return Response.json({ at: await env.CELLS.get(env.CELLS.idFromName(key)).write() });
    // POST /fanout?n=…: n writes to n objects from inside this one request.
    if (url.pathname === "/fanout") {
      const n = Number(url.searchParams.get("n") ?? 100);
      const started = Date.now();
      await Promise.all(
        Array.from({ length: n }, (_, i) => env.CELLS.get(env.CELLS.idFromName(`${key}:${i}`)).write()),
      );
      return Response.json({ n, ms: Date.now() - started });
    }
    // POST /queue?n=…&round=…: sends n messages in batches; GET /queue?round=… counts the acks.
    if (url.pathname === "/queue" && request.method === "POST") {
      const n = Number(url.searchParams.get("n") ?? 1000);
      const round = url.searchParams.get("round") ?? "r";
      const batches = [];
      for (let sent = 0; sent < n; sent += QUEUE_BATCH)
        batches.push(
          env.PINGS.sendBatch(Array.from({ length: Math.min(QUEUE_BATCH, n - sent) }, () => ({ body: { round } }))),
        );
      await Promise.all(batches);
      return Response.json({ sent: n });
    }
    if (url.pathname === "/queue")
      return Response.json(received.get(url.searchParams.get("round") ?? "r") ?? { count: 0, lastAt: 0 });
    // POST /enqueue?round=…: one message sent, then 202: the least an acknowledgement after a durable enqueue costs.
    if (url.pathname === "/enqueue") {
      await env.PINGS.send({ round: url.searchParams.get("round") ?? "r" });
      return Response.json({ queued: true }, { status: 202 });
    }
    return Response.json({ error: "not found" }, { status: 404 });
  },

  async queue(batch: MessageBatch<{ round: string }>): Promise<void> {
    for (const message of batch.messages) {
      const entry = received.get(message.body.round) ?? { count: 0, lastAt: 0 };
      entry.count += 1;
      entry.lastAt = Date.now();
      received.set(message.body.round, entry);
      message.ack();
    }
  },
};
