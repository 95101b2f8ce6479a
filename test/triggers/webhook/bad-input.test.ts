// Bad webhook deliveries: an unknown or archived workflow, an
// oversized or non-UTF-8 body, missing headers, a signature in the wrong encoding. Each is
// a 4xx problem+json that starts nothing and whose text holds neither the secret nor the
// signature the server expected.
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectJson, expectProblem, saveWorkflow } from "../../support/workers/api";
import {
  fromBase64,
  githubHeaders,
  hmacBytes,
  slackHeaders,
  standardHeaders,
  toBase64,
  toHex,
  unixSeconds,
  type WebhookBody,
} from "../../support/webhook-signing";

const SECRET = "bad-input-secret-4f1e2d3c";
const STANDARD_SECRET = "whsec_YmFkLWlucHV0LXN0YW5kYXJkLXNlY3JldC0x";
/** Standard Webhooks sign with the bytes the base64 after `whsec_` decodes to. */
const STANDARD_KEY_TEXT = STANDARD_SECRET.slice("whsec_".length);
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const BODY = JSON.stringify({ action: "opened", issue: { number: 9 } });

interface Attempt {
  body: WebhookBody | ReadableStream<Uint8Array>;
  headers: Record<string, string>;
  /** The signature the server computes for this body, which no answer may reveal. */
  expected: Uint8Array;
}

beforeAll(async () => {
  for (const [name, value] of [
    ["BAD_INPUT_SECRET", SECRET],
    ["BAD_INPUT_STANDARD", STANDARD_SECRET],
  ]) {
    const stored = await call("PUT", `/api/secrets/${name}`, { json: { value } });
    expect([200, 201]).toContain(stored.status);
  }
});

async function hookWorkflow(id: string, verify: Record<string, unknown>): Promise<string> {
  const secretName = verify.scheme === "standard" ? "BAD_INPUT_STANDARD" : "BAD_INPUT_SECRET";
  await saveWorkflow(id, {
    id,
    triggers: [{ type: "webhook", verify: { secret: `{{ secrets.${secretName} }}`, ...verify } }],
    steps: [{ id: "echo", type: "transform", expr: "input" }],
  });
  return id;
}

const post = (workflowId: string, attempt: Attempt) =>
  call("POST", `/hooks/${workflowId}`, {
    token: null,
    raw: attempt.body,
    contentType: "application/json",
    headers: attempt.headers,
  });

/** The answer is a 4xx problem, nothing started, and neither the secret nor the expected signature shows. */
async function expectRefused(workflowId: string, attempt: Attempt, status: number, code: string): Promise<void> {
  const response = await post(workflowId, attempt);
  const text = await response.clone().text();
  await expectProblem(response, status, code);
  for (const revealing of [
    SECRET,
    STANDARD_SECRET,
    STANDARD_KEY_TEXT,
    toHex(attempt.expected),
    toBase64(attempt.expected),
  ]) {
    expect(text).not.toContain(revealing);
  }
  const listed = await expectJson<{ runs: unknown[] }>(await call("GET", `/api/runs?workflow=${workflowId}`), 200);
  expect(listed.runs).toEqual([]);
}

async function githubAttempt(body: WebhookBody, deliveryId = "bad-input-delivery"): Promise<Attempt> {
  return {
    body,
    headers: await githubHeaders(SECRET, body, deliveryId),
    expected: await hmacBytes("sha256", SECRET, body),
  };
}

describe("a webhook for a workflow that cannot take it", () => {
  it("answers 404 for a workflow that does not exist", async () => {
    await expectRefused("bad-input-nobody", await githubAttempt(BODY), 404, "not_found");
  });

  it("answers 404 for an archived workflow, even when correctly signed", async () => {
    const workflowId = await hookWorkflow("bad-input-archived", { scheme: "github" });
    await expectJson(await call("DELETE", `/api/workflows/${workflowId}`), 200);
    await expectRefused(workflowId, await githubAttempt(BODY), 404, "not_found");
  });

  it("answers 404 for a workflow that has no webhook trigger", async () => {
    await saveWorkflow("bad-input-api-only", {
      id: "bad-input-api-only",
      triggers: [{ type: "api" }],
      steps: [{ id: "echo", type: "transform", expr: "input" }],
    });
    await expectRefused("bad-input-api-only", await githubAttempt(BODY), 404, "not_found");
  });
});

describe("a webhook body", () => {
  /** A JSON document of exactly `size` bytes. */
  const jsonOfSize = (size: number) => new TextEncoder().encode(`{"pad":"${"a".repeat(size - '{"pad":""}'.length)}"}`);

  it("of exactly 10 MiB is still accepted: the limit is 10 MiB, not less", async () => {
    const workflowId = "bad-input-at-limit";
    // The step keeps the 10 MiB out of its output: the run stores the input once.
    const verify = { scheme: "github", secret: "{{ secrets.BAD_INPUT_SECRET }}" };
    await saveWorkflow(workflowId, {
      id: workflowId,
      triggers: [{ type: "webhook", verify }],
      steps: [{ id: "measure", type: "transform", expr: "$length(input.pad)" }],
    });
    const { body, headers } = await githubAttempt(jsonOfSize(MAX_BODY_BYTES));
    const response = await call("POST", `/hooks/${workflowId}`, {
      token: null,
      raw: body,
      contentType: "application/json",
      headers,
    });
    await expectJson(response, 202);
  }, 20_000);

  it("over 10 MiB is refused with 413, even when correctly signed", async () => {
    const workflowId = await hookWorkflow("bad-input-huge", { scheme: "github" });
    await expectRefused(workflowId, await githubAttempt(jsonOfSize(MAX_BODY_BYTES + 1)), 413, "payload_too_large");
  });

  it("over 10 MiB sent without a Content-Length (streamed) is refused with 413", async () => {
    const workflowId = await hookWorkflow("bad-input-huge-stream", { scheme: "github" });
    const signed = await githubAttempt(jsonOfSize(MAX_BODY_BYTES + 1));
    const bytes = signed.body as Uint8Array;
    const chunk = 1024 * 1024;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += chunk)
          controller.enqueue(bytes.slice(offset, offset + chunk));
        controller.close();
      },
    });
    await expectRefused(workflowId, { ...signed, body: stream }, 413, "payload_too_large");
  });

  it("that is not UTF-8 is refused with 400, even when correctly signed", async () => {
    const workflowId = await hookWorkflow("bad-input-latin1", { scheme: "github" });
    // `{"name":"café"}` in Latin-1: the é is the lone byte 0xE9, never valid UTF-8.
    const latin1 = Uint8Array.from([...'{"name":"caf'].map((char) => char.charCodeAt(0)).concat([0xe9, 0x22, 0x7d]));
    await expectRefused(workflowId, await githubAttempt(latin1), 400, "bad_request");
  });
});

describe("a webhook missing a signed header", () => {
  const now = unixSeconds();
  const standard = async () => ({
    headers: await standardHeaders(STANDARD_SECRET, BODY, "msg_bad_input", now),
    expected: await hmacBytes("sha256", fromBase64(STANDARD_KEY_TEXT), `msg_bad_input.${now}.`, BODY),
  });
  const slack = async () => ({
    headers: await slackHeaders(SECRET, BODY, now),
    expected: await hmacBytes("sha256", SECRET, `v0:${now}:`, BODY),
  });
  const cases = [
    {
      name: "Standard Webhooks without webhook-id",
      verify: { scheme: "standard" },
      signed: standard,
      drop: "webhook-id",
    },
    {
      name: "Standard Webhooks without webhook-timestamp",
      verify: { scheme: "standard" },
      signed: standard,
      drop: "webhook-timestamp",
    },
    {
      name: "Slack without X-Slack-Request-Timestamp",
      verify: { scheme: "slack" },
      signed: slack,
      drop: "x-slack-request-timestamp",
    },
  ];

  it.each(cases)("$name is refused with 401", async ({ name, verify, signed, drop }) => {
    const workflowId = await hookWorkflow(`bad-input-missing-${name.toLowerCase().replace(/[^a-z]+/g, "-")}`, verify);
    const { headers, expected } = await signed();
    const { [drop]: _dropped, ...rest } = headers;
    await expectRefused(workflowId, { body: BODY, headers: rest, expected }, 401, "unauthorized");
  });
});

describe("a signature in the wrong encoding", () => {
  const now = unixSeconds();
  const macOf = (...parts: (string | Uint8Array)[]) => hmacBytes("sha256", SECRET, ...parts);
  const cases: {
    name: string;
    verify: Record<string, unknown>;
    expected: () => Promise<Uint8Array>;
    headers: (mac: Uint8Array) => Record<string, string>;
  }[] = [
    {
      name: "github given base64",
      verify: { scheme: "github" },
      expected: () => macOf(BODY),
      headers: (mac) => ({ "x-hub-signature-256": `sha256=${toBase64(mac)}` }),
    },
    {
      name: "stripe given base64",
      verify: { scheme: "stripe" },
      expected: () => macOf(`${now}.`, BODY),
      headers: (mac) => ({ "stripe-signature": `t=${now},v1=${toBase64(mac)}` }),
    },
    {
      name: "slack given base64",
      verify: { scheme: "slack" },
      expected: () => macOf(`v0:${now}:`, BODY),
      headers: (mac) => ({ "x-slack-request-timestamp": String(now), "x-slack-signature": `v0=${toBase64(mac)}` }),
    },
    {
      name: "shopify given hex",
      verify: { scheme: "shopify" },
      expected: () => macOf(BODY),
      headers: (mac) => ({ "x-shopify-hmac-sha256": toHex(mac) }),
    },
    {
      name: "standard given hex",
      verify: { scheme: "standard" },
      expected: () => hmacBytes("sha256", fromBase64(STANDARD_KEY_TEXT), `msg_enc.${now}.`, BODY),
      headers: (mac) => ({
        "webhook-id": "msg_enc",
        "webhook-timestamp": String(now),
        "webhook-signature": `v1,${toHex(mac)}`,
      }),
    },
    {
      name: "hmac (base64) given hex",
      verify: { scheme: "hmac", header: "x-signature", encoding: "base64", prefix: "sha256=" },
      expected: () => macOf(BODY),
      headers: (mac) => ({ "x-signature": `sha256=${toHex(mac)}` }),
    },
    {
      name: "hmac (hex) given base64",
      verify: { scheme: "hmac", header: "x-signature", encoding: "hex" },
      expected: () => macOf(BODY),
      headers: (mac) => ({ "x-signature": toBase64(mac) }),
    },
  ];

  it.each(cases)("$name is refused with 401", async ({ name, verify, expected, headers }) => {
    const workflowId = await hookWorkflow(
      `bad-input-encoding-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
      verify,
    );
    const mac = await expected();
    await expectRefused(workflowId, { body: BODY, headers: headers(mac), expected: mac }, 401, "unauthorized");
  });
});
