// The http executor against a real server on 127.0.0.1: what it sends, how it reads the
// answer, how it classifies failures, and that secrets never come back in plaintext.
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { TaskEffect } from "../../src/core/engine/effects";
import { NonRetryableError } from "../../src/core/errors";
import { secretPlaceholder } from "../../src/security/secret-placeholders";
import { executeHttp } from "../../src/tasks/http";
import type { HttpDeps, HttpOutcome, HttpTask } from "../../src/tasks/http";
import type { TaskMessage } from "../../src/tasks/task-message";

const RETRY_DATE = "Wed, 21 Oct 2026 07:28:00 GMT";
const SECRETS: Record<string, string> = { SHOP_TOKEN: "tok_s3cr3t_value", QUERY_KEY: "k&y w/ spaces" };

let server: Server;
let base: string;
const received: { headers: IncomingMessage["headers"]; body: string }[] = [];

const routes: Record<string, (request: IncomingMessage, response: ServerResponse, body: string) => void> = {
  "/echo": (request, response, body) => {
    const url = new URL(request.url ?? "/", base);
    sendJson(response, 200, {
      method: request.method,
      headers: request.headers,
      body,
      query: Object.fromEntries(url.searchParams),
    });
  },
  "/unavailable": (_request, response) => sendJson(response, 503, { error: "down" }, { "Retry-After": "7" }),
  "/slow-down": (_request, response) => sendJson(response, 429, { error: "slow down" }, { "Retry-After": RETRY_DATE }),
  "/reflect": (request, response) =>
    sendJson(response, 401, { error: "bad token", got: request.headers.authorization }),
  "/missing": (_request, response) => sendJson(response, 404, { error: "no such order" }),
  "/created": (_request, response) => sendJson(response, 201, { id: "o_1" }),
  "/hang": () => undefined,
  "/hang-body": (_request, response) => {
    response.writeHead(200, { "content-type": "text/plain" });
    response.write("partial");
  },
  "/huge": (_request, response) => {
    response.writeHead(200, { "content-type": "text/plain" });
    for (let i = 0; i < 64; i++) response.write("x".repeat(1024));
    response.end();
  },
  "/huge-error": (_request, response) => {
    response.writeHead(500, { "content-type": "text/plain" });
    response.end("e".repeat(64 * 1024));
  },
  "/text": (_request, response) => {
    response.writeHead(200, { "content-type": "text/plain; charset=utf-8", "X-Custom-Header": "Yes" });
    response.end('{"looks": "like json"}');
  },
  "/problem": (_request, response) => {
    response.writeHead(200, { "content-type": "application/problem+json" });
    response.end('{"title":"fine"}');
  },
  "/bad-json": (_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end("{not json");
  },
};

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ headers: request.headers, body });
      const route = routes[new URL(request.url ?? "/", base).pathname];
      if (route) route(request, response, body);
      else sendJson(response, 500, { error: "no route" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(value));
}

function task(request: Record<string, unknown>, overrides: Partial<HttpTask> = {}): HttpTask {
  return { request: { method: "GET", ...request }, timeoutMs: 5_000, idempotencyKey: "run_1:order", ...overrides };
}

const deps: HttpDeps = {
  fetch,
  now: () => Date.parse(RETRY_DATE) - 30_000,
  resolveSecret: async (name) => {
    const value = SECRETS[name];
    if (value === undefined) throw new Error(`unknown secret ${name}`);
    return value;
  },
};

function refusingFetch(): typeof fetch {
  return async () => {
    throw new Error("fetch must not be called");
  };
}

async function succeeded(outcome: Promise<HttpOutcome>) {
  const result = await outcome;
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result;
}

async function failed(outcome: Promise<HttpOutcome>) {
  const result = await outcome;
  if (result.ok) throw new Error(`expected failure, got ${JSON.stringify(result.output)}`);
  return result.error;
}

interface Echo {
  method: string;
  headers: Record<string, string>;
  body: string;
  query: Record<string, string>;
}

async function echo(request: Record<string, unknown>, overrides: Partial<HttpTask> = {}): Promise<Echo> {
  const result = await succeeded(executeHttp(task({ url: `${base}/echo`, ...request }, overrides), deps));
  return result.output.body as Echo;
}

describe("the queue message", () => {
  it("accepts every dispatch the engine produces", () => {
    expectTypeOf<TaskEffect>().toExtend<TaskMessage>();
  });
});

describe("what the http executor sends", () => {
  it("sends the task's Idempotency-Key and a Waymark User-Agent", async () => {
    const seen = await echo({});
    expect(seen.headers["idempotency-key"]).toBe("run_1:order");
    expect(seen.headers["user-agent"]).toBe("Waymark/0.1");
  });

  it("keeps an Idempotency-Key and User-Agent the request sets itself, whatever their case", async () => {
    const seen = await echo({ headers: { "idempotency-KEY": "mine", "user-agent": "custom/1" } });
    expect(seen.headers["idempotency-key"]).toBe("mine");
    expect(seen.headers["user-agent"]).toBe("custom/1");
  });

  it("appends `query` to the URL's own query string", async () => {
    const seen = await echo({ url: `${base}/echo?page=2`, query: { q: "a b&c", limit: 10, draft: false } });
    expect(seen.query).toEqual({ page: "2", q: "a b&c", limit: "10", draft: "false" });
  });

  it("accepts a lower-case method", async () => {
    expect((await echo({ method: "delete" })).method).toBe("DELETE");
  });

  it("sends an object body as JSON with a JSON content type", async () => {
    const seen = await echo({ method: "POST", body: { order: "o_1", items: [1, 2] } });
    expect(seen.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen.body)).toEqual({ order: "o_1", items: [1, 2] });
  });

  it("sends a string body as is under the content type the request sets", async () => {
    const seen = await echo({ method: "PUT", headers: { "Content-Type": "text/csv" }, body: "a,b\n1,2" });
    expect(seen.headers["content-type"]).toBe("text/csv");
    expect(seen.body).toBe("a,b\n1,2");
  });

  it("form-encodes an object body under a form content type", async () => {
    const headers = { "content-type": "application/x-www-form-urlencoded" };
    const seen = await echo({ method: "POST", headers, body: { name: "Zoë & co", tags: ["a", "b"] } });
    expect(seen.body).toBe("name=Zo%C3%AB+%26+co&tags=a&tags=b");
  });

  it("sends no body with GET", async () => {
    const seen = await echo({ method: "GET", body: { ignored: true } });
    expect(seen.body).toBe("");
    expect(seen.headers["content-type"]).toBeUndefined();
  });

  it("substitutes secrets into the request and masks them out of the output", async () => {
    const request = {
      headers: { Authorization: `Bearer ${secretPlaceholder("SHOP_TOKEN")}` },
      query: { key: secretPlaceholder("QUERY_KEY") },
    };
    const seen = await echo(request);
    expect(received.at(-1)?.headers.authorization).toBe("Bearer tok_s3cr3t_value");
    expect(seen.headers.authorization).toBe("Bearer ***");
    expect(seen.query.key).toBe("***");
    expect(JSON.stringify(seen)).not.toContain("tok_s3cr3t_value");
  });

  it("masks secrets out of a failed response kept in the error", async () => {
    const request = { url: `${base}/reflect`, headers: { Authorization: `Bearer ${secretPlaceholder("SHOP_TOKEN")}` } };
    const error = await failed(executeHttp(task(request), deps));
    expect(error.response?.body).toEqual({ error: "bad token", got: "Bearer ***" });
    expect(JSON.stringify(error)).not.toContain("tok_s3cr3t_value");
  });

  it("masks secrets out of error messages", async () => {
    const badUrl = { url: `not a url/${secretPlaceholder("SHOP_TOKEN")}` };
    const error = await failed(executeHttp(task(badUrl), { ...deps, fetch: refusingFetch() }));
    expect(error).toMatchObject({ code: "invalid_request", message: "not a valid URL: not a url/***" });
  });
});

describe("how the http executor reads the answer", () => {
  it("parses a JSON body and lower-cases header names", async () => {
    const result = await succeeded(executeHttp(task({ url: `${base}/created`, method: "POST" }), deps));
    expect(result.httpStatus).toBe(201);
    expect(result.output).toMatchObject({
      status: 201,
      body: { id: "o_1" },
      headers: { "content-type": "application/json" },
    });
  });

  it("keeps a text/plain body as text", async () => {
    const result = await succeeded(executeHttp(task({ url: `${base}/text` }), deps));
    expect(result.output.body).toBe('{"looks": "like json"}');
    expect(result.output.headers["x-custom-header"]).toBe("Yes");
  });

  it("parses a +json content type", async () => {
    const result = await succeeded(executeHttp(task({ url: `${base}/problem` }), deps));
    expect(result.output.body).toEqual({ title: "fine" });
  });

  it("falls back to text when a JSON body does not parse", async () => {
    const result = await succeeded(executeHttp(task({ url: `${base}/bad-json` }), deps));
    expect(result.output.body).toBe("{not json");
  });

  it("fails without retry when the body is over the cap", async () => {
    const error = await failed(executeHttp(task({ url: `${base}/huge` }), { ...deps, maxResponseBytes: 16 * 1024 }));
    expect(error).toMatchObject({ code: "output_too_large", retryable: false });
    expect((await succeeded(executeHttp(task({ url: `${base}/huge` }), deps))).output.body).toHaveLength(64 * 1024);
  });
});

describe("how the http executor classifies failures", () => {
  it("retries a 503 after its Retry-After seconds", async () => {
    const error = await failed(executeHttp(task({ url: `${base}/unavailable` }), deps));
    expect(error).toMatchObject({
      code: "http_status",
      message: "503 Service Unavailable",
      retryable: true,
      httpStatus: 503,
      retryAfterMs: 7_000,
    });
  });

  it("retries a 429 after its Retry-After date, measured from now()", async () => {
    const error = await failed(executeHttp(task({ url: `${base}/slow-down` }), deps));
    expect(error).toMatchObject({ code: "http_status", retryable: true, httpStatus: 429, retryAfterMs: 30_000 });
  });

  it("does not retry a 404, and keeps the response for people to read", async () => {
    const error = await failed(executeHttp(task({ url: `${base}/missing` }), deps));
    expect(error).toMatchObject({ code: "http_status", message: "404 Not Found", retryable: false, httpStatus: 404 });
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.response).toMatchObject({
      status: 404,
      body: { error: "no such order" },
      headers: { "content-type": "application/json" },
    });
  });

  it("keeps only the first 4 KiB of a failed response's body", async () => {
    const error = await failed(executeHttp(task({ url: `${base}/huge-error` }), deps));
    expect(error).toMatchObject({ code: "http_status", retryable: true, httpStatus: 500 });
    expect(error.response?.body).toBe(`${"e".repeat(4096)}… [truncated]`);
  });

  it("treats a status in `expect` as success and any other as failure", async () => {
    const missing = await succeeded(executeHttp(task({ url: `${base}/missing` }, { expect: [404] }), deps));
    expect(missing.output).toMatchObject({ status: 404, body: { error: "no such order" } });
    const created = await failed(executeHttp(task({ url: `${base}/created` }, { expect: [200] }), deps));
    expect(created).toMatchObject({ code: "http_status", retryable: false, httpStatus: 201 });
  });

  it("times out, retryably, when no response comes within timeoutMs", async () => {
    const error = await failed(executeHttp(task({ url: `${base}/hang` }, { timeoutMs: 100 }), deps));
    expect(error).toMatchObject({ code: "timed_out", retryable: true });
  });

  it("times out when the body stalls after the headers", async () => {
    const error = await failed(executeHttp(task({ url: `${base}/hang-body` }, { timeoutMs: 100 }), deps));
    expect(error).toMatchObject({ code: "timed_out", retryable: true });
  });

  it("retries a network failure", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failed(executeHttp(task({ url: `http://127.0.0.1:${port}/` }), deps));
    expect(error).toMatchObject({ code: "network_error", retryable: true });
    expect(error.message).toContain("ECONNREFUSED");
  });

  it.each([["ftp://127.0.0.1/file"], ["file:///etc/passwd"], ["not a url"]])(
    "rejects %s without sending anything",
    async (url) => {
      const error = await failed(executeHttp(task({ url }), { ...deps, fetch: refusingFetch() }));
      expect(error).toMatchObject({ code: "invalid_request", retryable: false });
    },
  );

  it("rejects a request that does not match the http request shape", async () => {
    const error = await failed(
      executeHttp({ ...task({}), request: { method: "GET", headers: { a: 1 } } }, { ...deps, fetch: refusingFetch() }),
    );
    expect(error).toMatchObject({ code: "invalid_request", retryable: false });
    expect(error.message).toContain("url");
  });

  it("rejects a header value fetch cannot send", async () => {
    const error = await failed(
      executeHttp(task({ url: `${base}/echo`, headers: { "X-Bad": "a\nb" } }), { ...deps, fetch: refusingFetch() }),
    );
    expect(error).toMatchObject({ code: "invalid_request", retryable: false });
  });

  it("fails the step when a secret cannot be resolved", async () => {
    const resolveSecret = async (name: string): Promise<string> => {
      throw new NonRetryableError("secret_missing", `secret "${name}" is not set`);
    };
    const error = await failed(
      executeHttp(task({ url: `${base}/echo`, headers: { A: secretPlaceholder("NOPE") } }), {
        ...deps,
        resolveSecret,
        fetch: refusingFetch(),
      }),
    );
    expect(error).toMatchObject({ code: "secret_missing", retryable: false });
  });
});
