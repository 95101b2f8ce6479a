// A stand-in for the SaaS services the example flows call (shop, shipping, CRM, chat,
// pager, helpdesk, and an OpenAI-compatible model at /v1), on http://127.0.0.1:8788. Run it with `npm run examples:mock` next to `npm start`.
// Order ids starting with "FAIL" make shipping fail; "FLAKY" makes the first order
// lookups answer 503 so the retries show on the dashboard.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

const port = Number(process.env.MOCK_PORT ?? 8788);
const lookups = new Map<string, number>();

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of request) text += chunk;
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

const server = createServer(async (request, response) => {
  const url = new URL(request.url ?? "/", `http://127.0.0.1:${port}`);
  const body = await readBody(request);
  console.log(`${request.method} ${url.pathname}${url.search}`, request.headers["idempotency-key"] ?? "", body ?? "");
  const order = /^\/shop\/orders\/(.+)$/.exec(url.pathname);
  if (order) {
    const id = decodeURIComponent(order[1]!);
    const seen = (lookups.get(id) ?? 0) + 1;
    lookups.set(id, seen);
    if (id.startsWith("FLAKY") && seen <= 2) return send(response, 503, { error: "try again" });
    return send(response, 200, { id, total: id.length * 250, currency: "EUR", status: "paid" });
  }
  if (url.pathname === "/ship/shipments") {
    const orderId = (body as { order?: string } | null)?.order ?? "";
    if (orderId.startsWith("FAIL")) return send(response, 500, { error: "carrier unavailable" });
    return send(response, 201, { id: `shp_${orderId}`, carrier: "post" });
  }
  if (url.pathname === "/crm/customers")
    return send(response, 200, { name: `Customer ${url.searchParams.get("github")}`, plan: "pro" });
  if (url.pathname === "/shop/stats/sales") return send(response, 200, { orders: 42, revenue: 12_480 });
  if (url.pathname === "/shop/stats/refunds") return send(response, 200, { amount: 310 });
  if (url.pathname.startsWith("/slack/") || url.pathname.startsWith("/pager/"))
    return send(response, 200, { ok: true });
  if (url.pathname.startsWith("/helpdesk/queues/")) return send(response, 201, { queued: true });
  if (url.pathname === "/v1/chat/completions") return send(response, 200, completion(body as ChatBody));
  send(response, 404, { error: "no such mock route" });
});

server.listen(port, "127.0.0.1", () => console.log(`mock SaaS listening on http://127.0.0.1:${port}`));

interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
}

/** A pretend model for the AI examples: keyword rules, not intelligence. */
function completion(body: ChatBody) {
  const system = body.messages.find((message) => message.role === "system")?.content ?? "";
  const user = body.messages.filter((message) => message.role === "user").at(-1)?.content ?? "";
  let content: unknown;
  if (system.startsWith("You triage a step"))
    content = { action: "escalate", reason: "The mock model always asks a person." };
  else if (system.includes("Sources:")) {
    const first = /\[1\] \([^)]*\)\n([^\n]+)/.exec(system)?.[1];
    content = first
      ? { answer: `${first} [1]`, citations: [1] }
      : { answer: "The policies do not say.", citations: [] };
  } else {
    const text = user.toLowerCase();
    const category = /charge|invoice|refund|bill/.test(text)
      ? "billing"
      : /crash|error|bug|broken/.test(text)
        ? "bug"
        : /please add|feature|would be nice/.test(text)
          ? "feature"
          : "other";
    content = { category, urgent: /!|urgent|asap|down/.test(text), summary: user.split("\n").at(-1)!.slice(0, 120) };
  }
  const text = JSON.stringify(content);
  return {
    id: "mock",
    model: body.model,
    choices: [{ index: 0, message: { role: "assistant", content: text } }],
    usage: {
      prompt_tokens: Math.ceil(JSON.stringify(body.messages).length / 4),
      completion_tokens: Math.ceil(text.length / 4),
    },
  };
}
