// `npm run bench:profile -- <base-url> <token> [starts]`: where Waymark's CPU goes. With a
// stack running (`npm start` prints the URL and token), it samples the Worker's isolate
// through wrangler's inspector (127.0.0.1:9229) while it starts runs of a 5-step transform
// flow, 16 in flight, and prints the functions with the most self time and the most
// inclusive time. Loopback only; the numbers are shares of the samples, not milliseconds.
import { pooled } from "../support/pool.ts";

const INSPECTOR = process.env.WAYMARK_INSPECTOR ?? "ws://127.0.0.1:9229/ws";
// wrangler's inspector proxy accepts the DevTools origins only.
const DEVTOOLS_ORIGIN = "https://devtools.devprod.cloudflare.dev";
const WORKFLOW_ID = "bench-profile-five";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const [base, token, count = "300"] = process.argv.slice(2);
if (!base || !token) {
  console.error("usage: npm run bench:profile -- <base-url> <token> [starts]");
  process.exit(2);
}

const inspector = await connect(INSPECTOR);
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const steps = [1, 2, 3, 4, 5].map((n) => ({ id: `s${n}`, type: "transform", ...(n > 1 ? { needs: [`s${n - 1}`] } : {}), expr: n === 1 ? "input.n + 1" : `steps.s${n - 1}.output + 1` }));
await expectOk(await fetch(`${base}/api/workflows/${WORKFLOW_ID}`, { method: "PUT", headers, body: JSON.stringify({ id: WORKFLOW_ID, triggers: [{ type: "api" }], steps }) }));
const start = async (n: number) => expectOk(await fetch(`${base}/api/workflows/${WORKFLOW_ID}/runs`, { method: "POST", headers, body: JSON.stringify({ input: { n } }) }));
await pooled([...Array(20).keys()], 4, start); // warm up

await inspector.call("Profiler.enable");
await inspector.call("Profiler.setSamplingInterval", { interval: 100 });
await inspector.call("Profiler.start");
const began = performance.now();
await pooled([...Array(Number(count)).keys()], 16, start);
const elapsed = performance.now() - began;
// The runs' outbox flushes finish in the background.
await new Promise((resolve) => setTimeout(resolve, 1_500));
const { profile } = (await inspector.call("Profiler.stop")) as { profile: Profile };
inspector.close();

console.log(`${count} starts in ${elapsed.toFixed(0)} ms (${((Number(count) / elapsed) * 1000).toFixed(1)}/s, profiler on)`);
report(profile);

function report(profile: Profile): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node: ProfileNode) => `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.split("/").at(-1) ?? ""}:${node.callFrame.lineNumber}`;
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
    for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${((n / profile.samples.length) * 100).toFixed(1).padStart(6)}%  ${name}`);
  };
  print("self time", self);
  print("inclusive time", inclusive);
}

async function expectOk(response: Response): Promise<void> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text}`);
}

async function connect(url: string): Promise<{ call(method: string, params?: object): Promise<unknown>; close(): void }> {
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
    socket.addEventListener("error", () => reject(new Error(`cannot reach the inspector at ${url} (is \`npm start\` running?)`)));
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
