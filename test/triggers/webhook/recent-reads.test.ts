// A burst of deliveries reads the workflow's row and its secret once a second per isolate
// (db/recent-reads.ts). A change through the API applies to the very next delivery; one
// written by another isolate, within a second.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { call, expectJson, expectProblem, saveWorkflow } from "../../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../../support/workers/clock";
import { uniqueName } from "../../support/workers/tokens";

afterEach(restoreClock);

async function tokenWorkflow(prefix: string, secretName: string, secret: string): Promise<string> {
  const id = uniqueName(prefix);
  expect([200, 201]).toContain((await call("PUT", `/api/secrets/${secretName}`, { json: { value: secret } })).status);
  await saveWorkflow(id, {
    id,
    triggers: [{ type: "webhook", verify: { scheme: "token", secret: `{{ secrets.${secretName} }}` } }],
    steps: [{ id: "echo", type: "transform", expr: "input" }],
  });
  return id;
}

const deliver = (workflowId: string, token: string) =>
  call("POST", `/hooks/${workflowId}`, {
    token: null,
    raw: JSON.stringify({ n: 1 }),
    contentType: "application/json",
    headers: { "x-webhook-token": token },
  });

describe("the reads a delivery makes", () => {
  it("see a disable through the API at the very next delivery", async () => {
    const id = await tokenWorkflow("recent-disable", "RECENT_A", "token-a-0123456789abcdef");
    await expectJson(await deliver(id, "token-a-0123456789abcdef"), 202);
    await expectJson(await call("PATCH", `/api/workflows/${id}`, { json: { enabled: false } }), 200);
    await expectProblem(await deliver(id, "token-a-0123456789abcdef"), 409, "workflow_disabled");
  });

  it("see a secret changed through the API at the very next delivery", async () => {
    const id = await tokenWorkflow("recent-secret", "RECENT_B", "token-b-old-0123456789ab");
    await expectJson(await deliver(id, "token-b-old-0123456789ab"), 202);
    await call("PUT", "/api/secrets/RECENT_B", { json: { value: "token-b-new-0123456789ab" } });
    await expectProblem(await deliver(id, "token-b-old-0123456789ab"), 401, "unauthorized");
    await expectJson(await deliver(id, "token-b-new-0123456789ab"), 202);
  });

  it("see a change written elsewhere (another isolate) within a second", async () => {
    const id = await tokenWorkflow("recent-elsewhere", "RECENT_C", "token-c-0123456789abcdef");
    freezeClock();
    await expectJson(await deliver(id, "token-c-0123456789abcdef"), 202);
    await env.DB.prepare("UPDATE workflows SET enabled = 0 WHERE id = ?").bind(id).run();
    await expectJson(await deliver(id, "token-c-0123456789abcdef"), 202);
    advanceClock(1_000);
    await expectProblem(await deliver(id, "token-c-0123456789abcdef"), 409, "workflow_disabled");
  });
});
