// CORS: off by default, so no Access-Control-* header is ever sent;
// WAYMARK_CORS_ORIGINS names exact origins, and only those get themselves back (never *).
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { ADMIN_TOKEN } from "../support/workers/api";

const ALLOWED = "https://ops.example.com";
const app = createApp();

async function send(origins: string, method: string, headers: Record<string, string>): Promise<Response> {
  const request = new Request("http://waymark.test/api/workflows", { method, headers });
  return app.fetch(request, { ...env, WAYMARK_CORS_ORIGINS: origins } as unknown as Env, createExecutionContext());
}

const preflight = (origins: string, origin: string) =>
  send(origins, "OPTIONS", {
    origin,
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type",
  });
const read = (origins: string, origin: string) =>
  send(origins, "GET", { origin, authorization: `Bearer ${ADMIN_TOKEN}` });
const corsHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith("access-control-"));

describe("CORS by default", () => {
  it("sends no Access-Control-* header on an answer, whatever the Origin", async () => {
    const response = await read("", ALLOWED);
    expect(response.status).toBe(200);
    expect(corsHeaders(response)).toEqual([]);
  });

  it("answers a preflight 204 without any Access-Control-* header", async () => {
    const response = await preflight("", ALLOWED);
    expect(response.status).toBe(204);
    expect(corsHeaders(response)).toEqual([]);
  });
});

describe("CORS with an allow-list", () => {
  const origins = ` ${ALLOWED} , https://other.example.com`;

  it("answers an allowed origin's preflight 204 with that origin, the methods and the headers", async () => {
    const response = await preflight(origins, ALLOWED);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(response.headers.get("access-control-allow-headers")).toBe("authorization, content-type, idempotency-key");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    expect(response.headers.get("vary")).toMatch(/Origin/);
  });

  it("gives an allowed origin itself back on an answer, never *", async () => {
    const response = await read(origins, ALLOWED);
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(response.headers.get("vary")).toMatch(/Origin/);
  });

  it("gives an origin not on the list nothing, not even a near match", async () => {
    for (const origin of ["https://evil.example.com", "https://ops.example.com.evil.test", "http://ops.example.com"]) {
      expect(corsHeaders(await read(origins, origin))).toEqual([]);
      const refused = await preflight(origins, origin);
      expect(refused.status).toBe(204);
      expect(corsHeaders(refused)).toEqual([]);
    }
  });
});
