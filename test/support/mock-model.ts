// A scriptable OpenAI-compatible chat-completions server on 127.0.0.1 for the end-to-end
// tests of AI steps: no test ever reaches a real model. Each call is answered by the
// test's script (valid JSON, invalid JSON, 429 with Retry-After, or no answer at all), and
// recorded with its messages so a test can assert on what the model was told.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatCall {
  n: number;
  model: string;
  messages: { role: string; content: string }[];
  body: Record<string, unknown>;
  authorization: string | null;
  arrivedAt: number;
}

/** What to answer: a reply text (the model's content), an HTTP error, or nothing until the client gives up. */
export type ModelReply =
  | { content: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  | { status: number; retryAfter?: string }
  | { hang: true };
export type ModelScript = (call: ChatCall, calls: ChatCall[]) => ModelReply;

export class MockModel {
  readonly calls: ChatCall[] = [];
  script: ModelScript = () => ({ status: 500 });
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<MockModel> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const model = new MockModel(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
    server.on("request", (req, res) => {
      let text = "";
      req.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      req.on("end", () => model.answer(req.url ?? "", text, req.headers.authorization ?? null, res));
    });
    return model;
  }

  /** JSON content as a model would write it. */
  static json(value: unknown): ModelReply {
    return { content: JSON.stringify(value) };
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(path: string, text: string, authorization: string | null, res: ServerResponse): void {
    if (path !== "/v1/chat/completions") return void res.writeHead(404).end();
    const body = JSON.parse(text) as Record<string, unknown>;
    const call: ChatCall = {
      n: this.calls.length + 1,
      model: String(body.model),
      messages: body.messages as ChatCall["messages"],
      body,
      authorization,
      arrivedAt: performance.now(),
    };
    this.calls.push(call);
    const reply = this.script(call, this.calls);
    if ("hang" in reply) {
      this.hanging.add(res);
      res.on("close", () => this.hanging.delete(res));
      return;
    }
    if ("status" in reply) {
      res.writeHead(reply.status, {
        "content-type": "application/json",
        ...(reply.retryAfter ? { "retry-after": reply.retryAfter } : {}),
      });
      return void res.end(JSON.stringify({ error: { message: `scripted ${reply.status}` } }));
    }
    const usage = reply.usage ?? { prompt_tokens: 100, completion_tokens: 20 };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: `cmpl-${call.n}`,
        model: call.model,
        choices: [{ index: 0, message: { role: "assistant", content: reply.content } }],
        usage,
      }),
    );
  }
}
