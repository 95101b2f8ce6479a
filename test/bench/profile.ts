// `npm run bench:profile -- <base-url> <token> [count] [starts|webhooks]`: where Waymark's
// CPU goes. With a stack running (`npm start` prints the URL and token), it samples the
// Worker's isolate through wrangler's inspector (127.0.0.1:9229) while it starts runs of a
// 5-step transform flow through the API, 16 in flight (`starts`), or sends webhook
// deliveries all at once (`webhooks`), and prints the answers' p50/p99 and the functions
// with the most self time and the most inclusive time. Loopback only; the numbers are
// shares of the samples, not milliseconds.
import { pooled } from "../support/pool.ts";

const INSPECTOR = process.env.WAYMARK_INSPECTOR ?? "ws://127.0.0.1:9229/ws";
// wrangler's inspector proxy accepts the DevTools origins only.
const DEVTOOLS_ORIGIN = "https://devtools.devprod.cloudflare.dev";
const WORKFLOW_ID = "bench-profile-five";
const HOOK_WORKFLOW_ID = "bench-profile-hook";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const [base, token, count = "300", mode = "starts"] = process.argv.slice(2);
if (!base || !token || !["starts", "webhooks"].includes(mode)) {
  console.error("usage: npm run bench:profile -- <base-url> <token> [count] [starts|webhooks]");
  process.exit(2);
}

const inspector = await connect(INSPECTOR);
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const load = mode === "webhooks" ? await webhookLoad() : await startLoad();
await load(4); // warm up

await inspector.call("Profiler.enable");
// A burst runs longer: sample it less often, so the profile stays small enough for the inspector proxy.
await inspector.call("Profiler.setSamplingInterval", { interval: mode === "webhooks" ? 1_000 : 100 });
await inspector.call("Profiler.start");
const began = performance.now();
const latencies = await load(Number(count));
const elapsed = performance.now() - began;
// The runs' outbox flushes (and, for webhooks, the queued starts) finish in the background.
await new Promise((resolve) => setTimeout(resolve, mode === "webhooks" ? 5_000 : 1_500));
const { profile } = (await inspector.call("Profiler.stop")) as { profile: Profile };
inspector.close();

const sorted = latencies.sort((a, b) => a - b);
const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(0);
console.log(
  `${count} ${mode} in ${elapsed.toFixed(0)} ms (${((Number(count) / elapsed) * 1000).toFixed(1)}/s, profiler on); answer p50 ${at(50)} ms, p99 ${at(99)} ms`,
);
report(profile);

/** Starts of a 5-step transform flow through the API, 16 in flight; each answer's latency. */
async function startLoad(): Promise<(n: number) => Promise<number[]>> {
  const steps = [1, 2, 3, 4, 5].map((n) => ({
    id: `s${n}`,
    type: "transform",
    ...(n > 1 ? { needs: [`s${n - 1}`] } : {}),
    expr: n === 1 ? "input.n + 1" : `steps.s${n - 1}.output + 1`,
  }));
  await expectOk(
    await fetch(`${base}/api/workflows/${WORKFLOW_ID}`, {
      method: "PUT",
      headers,
      body: JSON.stringify({ id: WORKFLOW_ID, triggers: [{ type: "api" }], steps }),
    }),
  );
  return (n) =>
    pooled([...Array(n).keys()], 16, async (i) => {
      const sent = performance.now();
      await expectOk(
        await fetch(`${base}/api/workflows/${WORKFLOW_ID}/runs`, {
          method: "POST",
          headers,
          body: JSON.stringify({ input: { n: i } }),
        }),
      );
      return performance.now() - sent;
    });
}

/** Webhook deliveries of a 1-step flow (shared-token scheme, a delivery id each), all sent at once. */
async function webhookLoad(): Promise<(n: number) => Promise<number[]>> {
  const secret = crypto.randomUUID();
  await expectOk(
    await fetch(`${base}/api/secrets/PROFILE_HOOK_TOKEN`, {
      method: "PUT",
      headers,
      body: JSON.stringify({ value: secret }),
    }),
  );
  const definition = {
    id: HOOK_WORKFLOW_ID,
    triggers: [
      {
        type: "webhook",
        verify: { scheme: "token", secret: "{{ secrets.PROFILE_HOOK_TOKEN }}", idHeader: "x-request-id" },
      },
    ],
    steps: [{ id: "echo", type: "transform", expr: "input" }],
  };
  await expectOk(
    await fetch(`${base}/api/workflows/${HOOK_WORKFLOW_ID}`, {
      method: "PUT",
      headers,
      body: JSON.stringify(definition),
    }),
  );
  return (n) =>
    Promise.all(
      [...Array(n).keys()].map(async (i) => {
        const sent = performance.now();
        const response = await fetch(`${base}/hooks/${HOOK_WORKFLOW_ID}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-webhook-token": secret,
            "x-request-id": crypto.randomUUID(),
          },
          body: JSON.stringify({ i }),
        });
        await expectOk(response);
        return performance.now() - sent;
      }),
    );
}

function report(profile: Profile): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node: ProfileNode) =>
    `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.split("/").at(-1) ?? ""}:${node.callFrame.lineNumber}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const sample of profile.samples) {
    const leaf = byId.get(sample)!;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + 1);
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const name = label(byId.get(id)!);
      if (!seen.has(name)) seen.add(name), inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
    }
  }
  const print = (title: string, counts: Map<string, number>) => {
    console.log(`\n${title} (share of ${profile.samples.length} samples)`);
    for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 30))
      console.log(`${((n / profile.samples.length) * 100).toFixed(1).padStart(6)}%  ${name}`);
  };
  print("self time", self);
  print("inclusive time", inclusive);
}

async function expectOk(response: Response): Promise<void> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text}`);
}

async function connect(
  url: string,
): Promise<{ call(method: string, params?: object): Promise<unknown>; close(): void }> {
  // Node's WebSocket takes headers as an undici extension.
  const socket = new WebSocket(url, { headers: { origin: DEVTOOLS_ORIGIN } } as unknown as string[]);
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let next = 0;
  socket.addEventListener("message", (message: MessageEvent) => {
    const reply = JSON.parse(String(message.data)) as { id?: number; result?: unknown; error?: unknown };
    const waiter = reply.id === undefined ? undefined : pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id!);
    if (reply.error) waiter.reject(new Error(JSON.stringify(reply.error)));
    else waiter.resolve(reply.result);
  });
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve());
    socket.addEventListener("error", () =>
      reject(new Error(`cannot reach the inspector at ${url} (is \`npm start\` running?)`)),
    );
  });
  return {
    call: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = ++next;
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}
