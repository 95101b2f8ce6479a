// POST /hooks/{workflowId}: a verified delivery starts a run (202 {runId}),
// a bad signature starts nothing (401), a redelivery answers the first run (200
// duplicate), the trigger's input maps {body, headers, query}, and a disabled workflow
// answers 409 workflow_disabled.
import { hmacBytes, slackHeaders, toHex, unixSeconds } from "../../support/webhook-signing";
import { inShardOf } from "../../support/workers/intake";
import { runIdInShard, shardOfKey } from "../../../src/core/intake-shards";
import { newRunId } from "../../../src/run/ids";
import { describe, expect, it } from "vitest";
import { call, expectJson, expectProblem, getRun, saveWorkflow } from "../../support/workers/api";
import { listedRunIds, runStartedByWebhook } from "../../support/workers/runs";

const SECRET = "gh-webhook-secret-0123456789";

/** The GitHub signature header's value for `body`. */
const sign = async (body: string, secret = SECRET) => `sha256=${toHex(await hmacBytes("sha256", secret, body))}`;

async function deliver(
  workflowId: string,
  body: string,
  headers: Record<string, string>,
  query = "",
): Promise<Response> {
  return call("POST", `/hooks/${workflowId}${query}`, {
    token: null,
    raw: body,
    contentType: "application/json",
    headers,
  });
}

async function githubWorkflow(id: string, extra: object = {}): Promise<void> {
  const stored = await call("PUT", "/api/secrets/GH_SECRET", { json: { value: SECRET } });
  expect([200, 201]).toContain(stored.status);
  await saveWorkflow(id, {
    id,
    triggers: [{ type: "webhook", verify: { scheme: "github", secret: "{{ secrets.GH_SECRET }}" }, ...extra }],
    steps: [{ id: "echo", type: "transform", expr: "input" }],
  });
}

describe("a GitHub webhook", () => {
  it("with a valid signature is answered once its start is queued; the consumer then creates and runs it", async () => {
    await githubWorkflow("hook-valid");
    const body = JSON.stringify({ action: "opened", issue: { number: 7 } });
    const response = await deliver("hook-valid", body, {
      "x-hub-signature-256": await sign(body),
      "x-github-delivery": "d-1",
    });
    const { runId } = await expectJson<{ runId: string }>(response, 202);
    const run = await runStartedByWebhook(runId);
    expect(run.input).toEqual({ action: "opened", issue: { number: 7 } });
    expect(run.trigger).toEqual({ type: "webhook", scheme: "github", deliveryId: "d-1" });
    expect(run.status).toBe("succeeded");
  });

  it("with a wrong signature is refused with 401 and starts nothing", async () => {
    await githubWorkflow("hook-bad");
    const body = JSON.stringify({ action: "opened" });
    const response = await deliver("hook-bad", body, {
      "x-hub-signature-256": await sign(body, "another-secret-abcdefgh"),
      "x-github-delivery": "d-2",
    });
    await expectProblem(response, 401, "unauthorized");
    const runs = await expectJson<{ runs: unknown[] }>(await call("GET", "/api/runs?workflow=hook-bad"), 200);
    expect(runs.runs).toEqual([]);
  });

  it("redelivered with the same delivery id answers 200 with the first run and starts nothing new", async () => {
    await githubWorkflow("hook-dupe");
    const body = JSON.stringify({ action: "closed" });
    const headers = { "x-hub-signature-256": await sign(body), "x-github-delivery": "d-3" };
    const first = await expectJson<{ runId: string }>(await deliver("hook-dupe", body, headers), 202);
    const again = await expectJson<{ runId: string; duplicate: boolean }>(
      await deliver("hook-dupe", body, headers),
      200,
    );
    expect(again).toEqual({ runId: first.runId, duplicate: true });
    expect(await listedRunIds("hook-dupe", first.runId)).toEqual([first.runId]);
  });

  it("redelivered while the first delivery's run is still on the queue answers 200 with that run", async () => {
    await githubWorkflow("hook-queued-dupe");
    const body = JSON.stringify({ action: "edited" });
    const headers = { "x-hub-signature-256": await sign(body), "x-github-delivery": "d-queued" };
    const first = await expectJson<{ runId: string }>(await deliver("hook-queued-dupe", body, headers), 202);
    // Nothing has consumed the first start yet: its claim alone names the run.
    expect(await expectJson(await deliver("hook-queued-dupe", body, headers), 200)).toEqual({
      runId: first.runId,
      duplicate: true,
    });
    expect((await runStartedByWebhook(first.runId)).status).toBe("succeeded");
  });

  it("under flow control starts the run before answering; a redelivery whose first delivery died before its run finishes that run", async () => {
    await githubWorkflow("hook-inflight", {});
    await saveWorkflow("hook-inflight", {
      id: "hook-inflight",
      concurrency: { limit: 2 },
      triggers: [{ type: "webhook", verify: { scheme: "github", secret: "{{ secrets.GH_SECRET }}" } }],
      steps: [{ id: "echo", type: "transform", expr: "input" }],
    });
    const body = JSON.stringify({ action: "edited" });
    const started = await expectJson<{ runId: string }>(
      await deliver("hook-inflight", body, { "x-hub-signature-256": await sign(body), "x-github-delivery": "d-gated" }),
      202,
    );
    expect((await getRun(started.runId)).status).toBe("succeeded");
    // A first delivery has claimed its id but died before its run was created.
    // A fresh id: objects outlive a test in this isolate, and other tests ask for unknown runs.
    const key = "hook:hook-inflight:d-inflight";
    const orphan = runIdInShard(newRunId(Date.now()), shardOfKey(key));
    await inShardOf(
      key,
      "INSERT INTO claims (key, run_id, state, created_at, expires_at) VALUES (?, ?, 'in_flight', ?, ?)",
      key,
      orphan,
      Date.now(),
      Date.now() + 60_000,
    );
    const headers = { "x-hub-signature-256": await sign(body), "x-github-delivery": "d-inflight" };
    expect(await expectJson(await deliver("hook-inflight", body, headers), 200)).toEqual({
      runId: orphan,
      duplicate: true,
    });
    expect((await getRun(orphan)).status).toBe("succeeded");
    expect(await expectJson(await deliver("hook-inflight", body, headers), 200)).toEqual({
      runId: orphan,
      duplicate: true,
    });
  });

  it("maps the request through the trigger's input expression", async () => {
    await githubWorkflow("hook-mapped", {
      input: "{ 'number': body.issue.number, 'event': headers.`x-github-event`, 'source': query.source }",
    });
    const body = JSON.stringify({ issue: { number: 42 } });
    const response = await deliver(
      "hook-mapped",
      body,
      { "x-hub-signature-256": await sign(body), "x-github-delivery": "d-4", "x-github-event": "issues" },
      "?source=test",
    );
    const { runId } = await expectJson<{ runId: string }>(response, 202);
    expect((await runStartedByWebhook(runId)).input).toEqual({ number: 42, event: "issues", source: "test" });
  });

  it("to a disabled workflow answers 409 workflow_disabled after verifying", async () => {
    await githubWorkflow("hook-disabled");
    await expectJson(await call("PATCH", "/api/workflows/hook-disabled", { json: { enabled: false } }), 200);
    const body = "{}";
    await expectProblem(
      await deliver("hook-disabled", body, { "x-hub-signature-256": await sign(body) }),
      409,
      "workflow_disabled",
    );
    await expectProblem(
      await deliver("hook-disabled", body, { "x-hub-signature-256": "sha256=00" }),
      401,
      "unauthorized",
    );
  });

  it("answers GitHub's ping (sent when the hook is created) without starting a run", async () => {
    await githubWorkflow("hook-ping");
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const response = await deliver("hook-ping", body, {
      "x-hub-signature-256": await sign(body),
      "x-github-delivery": "d-ping",
      "x-github-event": "ping",
    });
    expect(await expectJson(response, 200)).toEqual({ ok: true, zen: "Keep it logically awesome." });
    expect(
      (await expectJson<{ runs: unknown[] }>(await call("GET", "/api/runs?workflow=hook-ping"), 200)).runs,
    ).toEqual([]);
  });

  it("to an unknown workflow answers 404", async () => {
    await expectProblem(await deliver("hook-nobody", "{}", {}), 404, "not_found");
  });
});

describe("a Slack webhook", () => {
  it("answers the Event Subscriptions url_verification challenge once the signature checks out", async () => {
    const secret = "slack-signing-secret-0123456789";
    expect([200, 201]).toContain((await call("PUT", "/api/secrets/SLACK_SIGNING", { json: { value: secret } })).status);
    await saveWorkflow("hook-slack", {
      id: "hook-slack",
      triggers: [{ type: "webhook", verify: { scheme: "slack", secret: "{{ secrets.SLACK_SIGNING }}" } }],
      steps: [{ id: "a", type: "transform", expr: "input" }],
    });
    const body = JSON.stringify({
      token: "x",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    const timestamp = unixSeconds();
    const response = await deliver("hook-slack", body, await slackHeaders(secret, body, timestamp));
    expect(await expectJson(response, 200)).toEqual({
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    });
    await expectProblem(
      await deliver("hook-slack", body, {
        "x-slack-signature": "v0=00",
        "x-slack-request-timestamp": String(timestamp),
      }),
      401,
      "unauthorized",
    );
  });
});

describe("a webhook with scheme none", () => {
  it("accepts a form-encoded body as input", async () => {
    await saveWorkflow("hook-open", {
      id: "hook-open",
      triggers: [{ type: "webhook", verify: { scheme: "none" } }],
      steps: [{ id: "echo", type: "transform", expr: "input" }],
    });
    const response = await call("POST", "/hooks/hook-open", {
      token: null,
      raw: "text=hello&user=ada",
      contentType: "application/x-www-form-urlencoded",
    });
    const { runId } = await expectJson<{ runId: string }>(response, 202);
    expect((await runStartedByWebhook(runId)).input).toEqual({ text: "hello", user: "ada" });
  });
});
