// The dashboard in real Chromium against `wrangler dev` (docs/dashboard.md): sign in with a token,
// watch a run appear live, open it (graph, timeline, retries), approve its waiting step
// and watch it finish, see a hostile output rendered as text, and a viewer offered no
// operator action. No CSP violation or page error is tolerated anywhere.
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { useReceiver, useStack } from "../support/stack";
import { screenshot, signIn, useChromium, watchForViolations } from "./chromium";

const stack = useStack("browser");
const receiver = useReceiver();
const chromium = useChromium();
const TIMEOUT = 15_000;

const orderFlow = (receiverUrl: string) => ({
  id: "browser-order",
  name: "Order (browser test)",
  triggers: [{ type: "api" }],
  steps: [
    { id: "prepare", type: "transform", expr: "{ 'order': input.order }" },
    {
      id: "fetch",
      type: "http",
      needs: ["prepare"],
      retry: { attempts: 3, backoff: "fixed", delay: "300ms", jitter: false },
      request: { url: `${receiverUrl}/flaky/{{ input.order }}?fail=1` },
    },
    { id: "nap", type: "sleep", needs: ["prepare"], duration: "1s" },
    { id: "approve", type: "approval", needs: ["fetch", "nap"] },
    { id: "ship", type: "transform", needs: ["approve"], expr: "'shipped ' & input.order" },
  ],
});

const echoFlow = {
  id: "browser-echo",
  triggers: [{ type: "api" }],
  steps: [{ id: "echo", type: "transform", expr: "input.note" }],
};

let violations: string[] = [];
afterEach(() => {
  expect(violations, "CSP violations or page errors").toEqual([]);
});

async function open(viewport?: { width: number; height: number }): Promise<Page> {
  const { page } = await chromium.current.newPage(viewport);
  violations = watchForViolations(page);
  return page;
}

describe("the dashboard", () => {
  let page: Page;
  let runId: string;

  it("signs in with a token, refusing a wrong one", async () => {
    page = await open();
    await page.goto(`${stack.current.url}/`);
    await page.getByRole("heading", { name: "Sign in to Waymark" }).waitFor({ timeout: TIMEOUT });
    await screenshot(page, "sign-in");
    await page.getByLabel("API token").fill("wm_wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "not valid" }).waitFor({ timeout: TIMEOUT });

    await page.getByLabel("API token").fill(stack.current.vars.WAYMARK_ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Runs" }).waitFor({ timeout: TIMEOUT });
    expect(await page.getByTestId("who").textContent()).toBe("admin");
    expect(new URL(page.url()).pathname).toBe("/runs");
  });

  it("shows a new run appear in the list without a reload, with counts by status", async () => {
    await stack.current.api.putWorkflow(orderFlow(receiver.current.url));
    await page.evaluate("window.notReloaded = true");
    runId = (await stack.current.api.startRun("browser-order", { order: `order-${Date.now()}` })).id;
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await row.waitFor({ timeout: TIMEOUT });
    await row.locator(".badge", { hasText: "waiting" }).waitFor({ timeout: TIMEOUT });
    await page
      .locator('.count[data-status="waiting"] .count-number', { hasText: /^[1-9]/ })
      .waitFor({ timeout: TIMEOUT });
    expect(await page.evaluate("window.notReloaded")).toBe(true);
    await screenshot(page, "runs");
  });

  it("opens the run: its graph, its timeline with the retry, and approving it finishes it live", async () => {
    await page.locator(`tr[data-run-id="${runId}"] a`).click();
    await page.getByRole("heading", { name: runId }).waitFor({ timeout: TIMEOUT });
    await page.locator(".live-dot", { hasText: "Live" }).waitFor({ timeout: TIMEOUT });
    expect(await page.locator("svg.graph g.node").count()).toBe(5);
    expect(await page.locator("svg.graph path.edge").count()).toBe(5);
    await page.locator('svg.graph g.node.status-waiting[data-step="approve"]').waitFor({ timeout: TIMEOUT });
    expect(await page.locator('svg.timeline rect.bar[data-step="fetch"]').count()).toBe(2);
    expect(await page.locator("svg.timeline line.retry-gap").count()).toBe(1);
    expect(await page.locator('svg.timeline rect.bar.waiting[data-step="nap"]').count()).toBe(1);

    await page.locator('svg.graph g.node[data-step="approve"]').focus();
    await page.keyboard.press("Enter");
    const panel = page.locator("details#step-approve");
    expect(await panel.getAttribute("open")).not.toBeNull();
    await screenshot(page, "run-waiting");
    await panel.getByLabel("Comment (optional)").fill("Looks right <b>to me</b>");
    await panel.getByRole("button", { name: "Approve" }).click();

    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor({ timeout: TIMEOUT });
    await page.locator('svg.graph g.node.status-succeeded[data-step="ship"]').waitFor({ timeout: TIMEOUT });
    const run = await stack.current.api.getRun(runId);
    expect(run.status).toBe("succeeded");
    expect(run.steps.find((step) => step.id === "approve")!.output).toMatchObject({
      decision: "approved",
      comment: "Looks right <b>to me</b>",
    });
    await page.locator("details#step-ship > summary").click();
    await page.locator("details#step-ship .json-string", { hasText: "shipped order-" }).waitFor({ timeout: TIMEOUT });
    await screenshot(page, "run");
  });

  it("renders a run output holding HTML as text, never as markup", async () => {
    await stack.current.api.putWorkflow(echoFlow);
    const payload = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
    const run = await stack.current.api.startRun("browser-echo", { note: payload });
    await stack.current.api.waitForFinish(run.id);
    await page.goto(`${stack.current.url}/runs/${run.id}`);
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor({ timeout: TIMEOUT });
    await page.locator("details#step-echo > summary").click();
    await page
      .locator("details#step-echo .json-string", { hasText: "<img src=x onerror=" })
      .waitFor({ timeout: TIMEOUT });
    expect(await page.locator(".run-data .json-string").first().textContent()).toBe(JSON.stringify(payload));
    expect(await page.locator("main img, main script").count()).toBe(0);
    expect(await page.evaluate("window.__xss")).toBeUndefined();
  });

  it("reads well on a phone", async () => {
    const phone = await open({ width: 390, height: 844 });
    await signIn(phone, stack.current.url, stack.current.vars.WAYMARK_ADMIN_TOKEN);
    await phone.locator("tr[data-run-id]").first().waitFor({ timeout: TIMEOUT });
    await phone.locator(".count").first().waitFor({ timeout: TIMEOUT });
    expect(await phone.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await screenshot(phone, "runs-phone");
    await phone.goto(`${stack.current.url}/runs/${runId}`);
    await phone.locator("h1 .badge", { hasText: "succeeded" }).waitFor({ timeout: TIMEOUT });
    expect(await phone.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await screenshot(phone, "run-phone");
    await phone.context().close();
  });

  it("offers a viewer no operator action, and signing out forgets the token", async () => {
    const waiting = await stack.current.api.startRun("browser-order", { order: `order-viewer-${Date.now()}` });
    await stack.current.api.waitForRun(waiting.id, (run) => run.status === "waiting", { what: "the approval to wait" });
    const issued = await stack.current.api.request<{ token: string }>("POST", "/api/tokens", {
      name: "browser-viewer",
      role: "viewer",
    });
    expect(issued.status).toBe(201);

    const viewer = await open();
    await signIn(viewer, stack.current.url, issued.body.token);
    expect(await viewer.getByTestId("who").textContent()).toBe("browser-viewer");
    await viewer.goto(`${stack.current.url}/runs/${waiting.id}`);
    await viewer.locator("h1 .badge", { hasText: "waiting" }).waitFor({ timeout: TIMEOUT });
    await viewer.locator("details#step-approve > summary").click();
    await viewer
      .locator("details#step-approve", { hasText: "Waiting for a decision by operators." })
      .waitFor({ timeout: TIMEOUT });
    expect(await viewer.getByRole("button", { name: /Approve|Reject|Cancel run|Retry|Rerun/ }).count()).toBe(0);

    await viewer.getByRole("button", { name: "Sign out" }).click();
    await viewer.getByRole("heading", { name: "Sign in to Waymark" }).waitFor({ timeout: TIMEOUT });
    expect(await viewer.evaluate("localStorage.length")).toBe(0);
    await viewer.reload();
    await viewer.getByRole("heading", { name: "Sign in to Waymark" }).waitFor({ timeout: TIMEOUT });
    await viewer.context().close();
    await stack.current.api.cancel(waiting.id);
  });
});
