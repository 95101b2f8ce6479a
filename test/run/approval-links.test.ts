// Signed one-time approval links (deciding without a token): minted by someone
// who may decide, a GET only shows a text page (mail scanners prefetch links) and a POST
// decides as `link`; expired, reused, altered and foreign links are refused.
import { afterEach, describe, expect, it } from "vitest";
import type { RunView } from "../../src/core/engine/run-view";
import { signApprovalLink } from "../../src/security/approval-links";
import { signOffFlow } from "../fixtures/workflows-api/approvals";
import { call, expectJson, expectProblem, getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { issueToken, uniqueName } from "../support/workers/tokens";

interface Links {
  approveUrl: string;
  rejectUrl: string;
  expiresAt: string;
}

const HOUR = 60 * 60_000;
const pathOf = (url: string) => url.slice("http://waymark.test".length);
const tokenOf = (url: string) => new URL(url).searchParams.get("token")!;
const approval = (run: RunView) => run.steps.find((step) => step.id === "approve")!;

async function waitingRun(workflow: string, approvers?: string[]): Promise<RunView> {
  await saveWorkflow(workflow, signOffFlow(approvers));
  return startRunThroughApi(workflow);
}

async function mint(runId: string, body: object = {}, token?: string): Promise<Links> {
  return expectJson<Links>(await call("POST", `/api/runs/${runId}/steps/approve/links`, { json: body, token }), 200);
}

afterEach(restoreClock);

describe("minting approval links", () => {
  it("gives an approve and a reject URL on this host, valid until the approval's timeout", async () => {
    const run = await waitingRun("link-mint");
    const links = await mint(run.id);
    expect(links.approveUrl).toMatch(/^http:\/\/waymark\.test\/api\/approval-links\?token=[\w-]+\.[\w-]+$/);
    expect(links.rejectUrl).not.toBe(links.approveUrl);
    expect(Date.parse(links.expiresAt)).toBe(Date.parse(approval(run).startedAt!) + 24 * HOUR);
  });

  it("is refused to someone who may not decide the approval, and for a step that does not wait", async () => {
    const alice = await issueToken("viewer", { name: uniqueName("alice") });
    const run = await waitingRun("link-mint-refused", [alice.name]);
    const operator = await issueToken("operator");
    await expectProblem(
      await call("POST", `/api/runs/${run.id}/steps/approve/links`, { json: {}, token: operator.token }),
      403,
      "forbidden",
    );
    await expectProblem(
      await call("POST", `/api/runs/${run.id}/steps/quote/links`, { json: {} }),
      409,
      "invalid_state",
    );
  });
});

describe("following an approval link", () => {
  it("GET shows a text-only page under a strict CSP and decides nothing", async () => {
    const run = await waitingRun("link-get");
    const links = await mint(run.id);
    const response = await call("GET", pathOf(links.approveUrl), { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await response.text();
    expect(html).toContain(run.id);
    expect(html).toContain('<form method="post"');
    expect(html).not.toMatch(/<script/i);
    expect(approval(await getRun(run.id)).status).toBe("waiting");
  });

  it("POST decides as `link`, with a comment from the page's form", async () => {
    const run = await waitingRun("link-post");
    const links = await mint(run.id);
    const response = await call("POST", pathOf(links.approveUrl), {
      token: null,
      raw: "comment=from+my+phone",
      contentType: "application/x-www-form-urlencoded",
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("recorded");
    const after = await getRun(run.id);
    expect(approval(after)).toMatchObject({
      status: "succeeded",
      output: { decision: "approved", by: "link", comment: "from my phone" },
    });
    expect(after.status).toBe("succeeded");
  });

  it("the reject link rejects: the step fails with code rejected", async () => {
    const run = await waitingRun("link-reject");
    const links = await mint(run.id);
    const body = await expectJson(await call("POST", pathOf(links.rejectUrl), { token: null }), 200);
    expect(body).toEqual({ runId: run.id, stepId: "approve", decision: "reject", status: "failed" });
    expect(approval(await getRun(run.id))).toMatchObject({
      status: "failed",
      error: { code: "rejected" },
      output: { by: "link" },
    });
  });

  it("a link used once is refused after: 409 invalid_state, and so is its twin", async () => {
    const run = await waitingRun("link-reuse");
    const links = await mint(run.id);
    await expectJson(await call("POST", pathOf(links.approveUrl), { token: null }), 200);
    await expectProblem(await call("POST", pathOf(links.approveUrl), { token: null }), 409, "invalid_state");
    await expectProblem(await call("POST", pathOf(links.rejectUrl), { token: null }), 409, "invalid_state");
    expect(approval(await getRun(run.id)).status).toBe("succeeded");
  });

  it("an expired link is 410 link_expired, for GET and POST, and decides nothing", async () => {
    freezeClock();
    const run = await waitingRun("link-expired");
    const links = await mint(run.id, { expiresIn: "1h" });
    advanceClock(HOUR + 1);
    await expectProblem(await call("GET", pathOf(links.approveUrl), { token: null }), 410, "link_expired");
    await expectProblem(await call("POST", pathOf(links.approveUrl), { token: null }), 410, "link_expired");
    expect(approval(await getRun(run.id)).status).toBe("waiting");
  });

  it("an altered or forged link is 403 forbidden", async () => {
    const run = await waitingRun("link-forged");
    const links = await mint(run.id);
    const [claims, signature] = tokenOf(links.approveUrl).split(".");
    const rejectClaims = tokenOf(links.rejectUrl).split(".")[0];
    await expectProblem(
      await call("POST", `/api/approval-links?token=${rejectClaims}.${signature}`, { token: null }),
      403,
      "forbidden",
    );
    await expectProblem(
      await call("POST", `/api/approval-links?token=${claims}.${signature!.slice(0, -2)}AA`, { token: null }),
      403,
      "forbidden",
    );
    const forged = await signApprovalLink("another-master-key-entirely", {
      runId: run.id,
      stepId: "approve",
      attempt: 1,
      decision: "approve",
      expiresAt: Date.now() + HOUR,
    });
    await expectProblem(await call("POST", `/api/approval-links?token=${forged}`, { token: null }), 403, "forbidden");
    await expectProblem(await call("GET", "/api/approval-links?token=nonsense", { token: null }), 403, "forbidden");
    expect(approval(await getRun(run.id)).status).toBe("waiting");
  });
});
