// Malformed requests: each gets a precise 4xx as problem+json with
// type, title, status, detail and code, never a 500 and never a stack trace.
import { describe, expect, it } from "vitest";
import { orderIntake } from "../fixtures/workflows-api/order-intake";
import { webhookGreetingYaml } from "../fixtures/workflows-api/webhook-greeting";
import { call, expectJson, expectProblem, saveWorkflow } from "../support/workers/api";

const START = "/api/workflows/bad-req/runs";
const TEN_MIB = 10 * 1024 * 1024;

function streamOf(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.byteLength;
    },
  });
}

describe("a malformed body", () => {
  it("is 400 bad_request saying where the JSON breaks, without a stack trace", async () => {
    await saveWorkflow("bad-req", orderIntake);
    const problem = await expectProblem(
      await call("POST", START, { raw: '{"input": {"orderId": "1",}}', contentType: "application/json" }),
      400,
      "bad_request",
    );
    expect(problem.detail).toMatch(/JSON/);
    expect(problem.detail).not.toMatch(/SyntaxError\n|\n\s+at /);
  });

  it("is 400 for a truncated document and for a lone string of garbage", async () => {
    await saveWorkflow("bad-req", orderIntake);
    await expectProblem(
      await call("POST", START, { raw: '{"input": ', contentType: "application/json" }),
      400,
      "bad_request",
    );
    await expectProblem(
      await call("POST", START, { raw: "undefined", contentType: "application/json" }),
      400,
      "bad_request",
    );
  });

  it("that is JSON but not an object is 422 validation_failed", async () => {
    await saveWorkflow("bad-req", orderIntake);
    await expectProblem(await call("POST", START, { json: ["orderId"] }), 422, "validation_failed");
  });
});

describe("a body of the wrong content type", () => {
  it("is 415 unsupported_media_type naming what to send", async () => {
    await saveWorkflow("bad-req", orderIntake);
    const problem = await expectProblem(
      await call("POST", START, { raw: "orderId=1", contentType: "application/x-www-form-urlencoded" }),
      415,
      "unsupported_media_type",
    );
    expect(problem.detail).toMatch(/application\/json/);
  });

  it("is 415 when there is no content type at all", async () => {
    await saveWorkflow("bad-req", orderIntake);
    await expectProblem(
      await call("POST", START, { raw: new TextEncoder().encode('{"input":{}}') }),
      415,
      "unsupported_media_type",
    );
  });

  it("accepts a +json media type with parameters", async () => {
    await saveWorkflow("bad-req", orderIntake);
    const body = JSON.stringify({ input: { orderId: "1" } });
    await expectJson(
      await call("POST", START, { raw: body, contentType: "application/merge-patch+json; charset=utf-8" }),
      202,
    );
  });
});

describe("an unknown field in a start body", () => {
  it("is 422 validation_failed with the field's path", async () => {
    await saveWorkflow("bad-req", orderIntake);
    const problem = await expectProblem(
      await call("POST", START, { json: { input: { orderId: "1" }, priority: "high" } }),
      422,
      "validation_failed",
    );
    expect(problem.issues).toEqual([{ path: "priority", message: expect.stringContaining("priority") }]);
  });
});

describe("a body over 10 MiB", () => {
  it("is 413 payload_too_large when the length is declared", async () => {
    await saveWorkflow("bad-req", orderIntake);
    const body = JSON.stringify({ input: { orderId: "x".repeat(TEN_MIB) } });
    await expectProblem(
      await call("POST", START, { raw: body, contentType: "application/json" }),
      413,
      "payload_too_large",
    );
  });

  it("is 413 when it is streamed without a length", async () => {
    await saveWorkflow("bad-req", orderIntake);
    const response = await call("POST", START, {
      raw: streamOf(TEN_MIB + 1024 * 1024),
      contentType: "application/json",
    });
    await expectProblem(response, 413, "payload_too_large");
  });

  it("is accepted just under the limit", async () => {
    const yaml = `# ${"x".repeat(TEN_MIB - 4096)}\nid: bad-req-large\n${webhookGreetingYaml}`;
    const response = await call("POST", "/api/workflows/validate", { raw: yaml, contentType: "application/yaml" });
    expect(await expectJson(response, 200)).toEqual({ valid: true, issues: [] });
  });

  it("is 413 on a definition upload too", async () => {
    const yaml = `# ${"x".repeat(TEN_MIB)}\nsteps: []\n`;
    await expectProblem(
      await call("PUT", "/api/workflows/bad-req-huge", { raw: yaml, contentType: "application/yaml" }),
      413,
      "payload_too_large",
    );
  });
});

describe("an unknown route", () => {
  it("is 404 not_found as problem+json, with or without a token", async () => {
    const problem = await expectProblem(await call("GET", "/api/nothing-here"), 404, "not_found");
    expect(problem.detail).toContain("/api/nothing-here");
    await expectProblem(await call("POST", "/api/nothing-here", { token: null, json: {} }), 404, "not_found");
  });

  it("is a 4xx problem for a known path with a method it does not serve", async () => {
    const response = await call("DELETE", "/api/runs");
    expect([404, 405]).toContain(response.status);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("an empty body sent as JSON", () => {
  // Clients that always send `Content-Type: application/json` can start a run without a body.
  it("starts a run like a request without a body does", async () => {
    await saveWorkflow("bad-req-empty", { ...orderIntake, input: undefined });
    await expectJson(await call("POST", "/api/workflows/bad-req-empty/runs", { contentType: "application/json" }), 202);
  });
});
