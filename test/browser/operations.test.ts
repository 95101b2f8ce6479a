// The operations pages in real Chromium against `wrangler dev`: an approval waiting in
// the inbox is approved there (a map item's too, whose step id needs URL-encoding) and
// its run finishes; Metrics draws its charts and counts this file's runs per workflow;
// Audit lists entries, filters by action, shows the chain intact and exports NDJSON; a
// viewer is not offered Audit. No CSP violation or page error is tolerated anywhere.
// With WAYMARK_UPDATE_SCREENSHOTS=1 it also rewrites the screenshot docs/dashboard.md shows (dashboard/docs/run-page.png).
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../src/dev/local-stack";
import { useReceiver, useStack } from "../support/stack";
import { screenshot, signIn, useChromium, watchForViolations } from "./chromium";

const stack = useStack("operations");
const receiver = useReceiver();
const chromium = useChromium();
const TIMEOUT = 15_000;
const VIEWPORT = { width: 1280, height: 800 };
const README_SCREENSHOT = path.join(ROOT, "dashboard/docs/run-page.png");

const orderFlow = (receiverUrl: string) => ({
  id: "ops-order",
  name: "Order (operations test)",
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
    { id: "check", type: "transform", needs: ["prepare"], expr: "input.order != ''" },
    { id: "approve", type: "approval", needs: ["fetch", "check"] },
    { id: "ship", type: "transform", needs: ["approve"], expr: "'shipped ' & input.order" },
  ],
});
const reviewFlow = {
  id: "ops-review",
  triggers: [{ type: "api" }],
  steps: [{ id: "review", type: "map", items: "input.docs", step: { type: "approval" } }],
};
const echoFlow = {
  id: "ops-echo",
  triggers: [{ type: "api" }],
  steps: [{ id: "echo", type: "transform", expr: "input.note" }],
};
const failFlow = (receiverUrl: string) => ({
  id: "ops-fail",
  triggers: [{ type: "api" }],
  steps: [{ id: "call", type: "http", retry: { attempts: 1 }, request: { url: `${receiverUrl}/status/500` } }],
});

let violations: string[] = [];
afterEach(() => {
  expect(violations, "CSP violations or page errors").toEqual([]);
});

async function open(): Promise<Page> {
  const { page } = await chromium.current.newPage(VIEWPORT);
  violations = watchForViolations(page);
  return page;
}

describe("the operations pages", () => {
  let page: Page;
  let orderRun: string;
  let reviewRun: string;

  beforeAll(async () => {
    const { api } = stack.current;
    for (const flow of [orderFlow(receiver.current.url), reviewFlow, echoFlow, failFlow(receiver.current.url)])
      await api.putWorkflow(flow);
    const finished = await Promise.all([
      ...["a", "b", "c"].map((note) => api.startRun("ops-echo", { note })),
      api.startRun("ops-fail"),
    ]);
    orderRun = (await api.startRun("ops-order", { order: `order-${Date.now()}` })).id;
    reviewRun = (await api.startRun("ops-review", { docs: ["terms", "privacy"] })).id;
    await Promise.all(finished.map((run) => api.waitForFinish(run.id)));
    for (const id of [orderRun, reviewRun])
      await api.waitForRun(id, (run) => run.status === "waiting", { what: "its approval to wait" });
  });

  it("approves from the inbox, a map item's approval too, and the runs succeed", async () => {
    page = await open();
    await signIn(page, stack.current.url, stack.current.vars.WAYMARK_ADMIN_TOKEN);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Approvals" }).click();
    await page.getByRole("heading", { name: "Approvals" }).waitFor({ timeout: TIMEOUT });
    const order = page.locator(`li.inbox-item[data-run-id="${orderRun}"][data-step="approve"]`);
    const first = page.locator(`li.inbox-item[data-run-id="${reviewRun}"][data-step="review[0]"]`);
    const second = page.locator(`li.inbox-item[data-run-id="${reviewRun}"][data-step="review[1]"]`);
    for (const item of [order, first, second]) await item.waitFor({ timeout: TIMEOUT });
    expect(await order.getByRole("link", { name: orderRun }).getAttribute("href")).toBe(`/runs/${orderRun}`);
    await screenshot(page, "approvals");

    await order.getByLabel("Comment (optional)").fill("Approved from the inbox");
    await order.getByRole("button", { name: "Approve" }).click();
    await order.waitFor({ state: "detached", timeout: TIMEOUT });
    const run = await stack.current.api.waitForFinish(orderRun);
    expect(run.status).toBe("succeeded");
    expect(run.steps.find((step) => step.id === "approve")!.output).toMatchObject({
      decision: "approved",
      comment: "Approved from the inbox",
    });

    // `review[0]` travels as review%5B0%5D: a decision the server could not route would leave the item listed.
    await first.getByRole("button", { name: "Approve" }).click();
    await first.waitFor({ state: "detached", timeout: TIMEOUT });
    expect(await second.count()).toBe(1);
    await second.getByRole("button", { name: "Approve" }).click();
    await page.getByText("No approvals are waiting.").waitFor({ timeout: TIMEOUT });
    expect((await stack.current.api.waitForFinish(reviewRun)).status).toBe("succeeded");
  });

  it("lists a map step's items with who approved each, filtered by status", async () => {
    await page.goto(`${stack.current.url}/runs/${reviewRun}`);
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor({ timeout: TIMEOUT });
    await page.locator("details#step-review > summary").click();
    await page.locator("details#step-review details.map-items > summary").click();
    const rows = page.locator("details#step-review .items-table tbody tr");
    await rows.nth(1).waitFor({ timeout: TIMEOUT });
    expect(
      await rows.evaluateAll((found) =>
        found.map((row) => [...row.querySelectorAll("td")].map((cell) => cell.textContent)),
      ),
    ).toEqual([
      ["0", "✓ succeeded", '"terms"', expect.stringContaining('"decision":"approved"'), "1"],
      ["1", "✓ succeeded", '"privacy"', expect.stringContaining('"decision":"approved"'), "1"],
    ]);
    await page.getByLabel("Status").selectOption("failed");
    await page.locator("details#step-review .map-items").getByText("No items.").waitFor({ timeout: TIMEOUT });
    expect(await rows.count()).toBe(0);
  });

  it("shows the approved run with its retry and decision (the screenshot in docs/dashboard.md)", async () => {
    await page.goto(`${stack.current.url}/runs/${orderRun}`);
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor({ timeout: TIMEOUT });
    expect(await page.locator('svg.timeline rect.bar[data-step="fetch"]').count()).toBe(2);
    await page.locator("details#step-approve > summary").click();
    await page
      .locator("details#step-approve .json-string", { hasText: "Approved from the inbox" })
      .waitFor({ timeout: TIMEOUT });
    await page.evaluate("window.scrollTo(0, 0)");
    // A tracked file: rewritten only on request, so an ordinary test run leaves the tree clean.
    if (process.env.WAYMARK_UPDATE_SCREENSHOTS === "1") await page.screenshot({ path: README_SCREENSHOT });
  });

  it("charts runs by status and durations, and counts this file's runs per workflow", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Metrics" }).click();
    await page.getByRole("heading", { name: "Metrics" }).waitFor({ timeout: TIMEOUT });
    await page.getByLabel("Window", { exact: true }).selectOption("1h");
    expect(new URL(page.url()).searchParams.get("window")).toBe("1h");
    const row = (workflow: string) => page.locator(`tr[data-workflow="${workflow}"]`);
    const cell = (workflow: string, column: string) => row(workflow).locator(`td[data-col="${column}"]`);
    await cell("ops-echo", "runs").filter({ hasText: /^3$/ }).waitFor({ timeout: TIMEOUT });
    expect(await page.locator("figure.chart canvas").count()).toBe(2);
    for (const canvas of await page.locator("figure.chart canvas").all())
      expect((await canvas.boundingBox())!.height).toBeGreaterThan(100);
    const expected: Record<string, Record<string, string>> = {
      "ops-echo": { runs: "3", succeeded: "3", failed: "0", "success-rate": "100%", retries: "0" },
      "ops-fail": { runs: "1", succeeded: "0", failed: "1", "success-rate": "0%" },
      "ops-order": { runs: "1", succeeded: "1", "success-rate": "100%", retries: "1" },
      "ops-review": { runs: "1", succeeded: "1" },
    };
    for (const [workflow, columns] of Object.entries(expected)) {
      for (const [column, text] of Object.entries(columns))
        expect(await cell(workflow, column).textContent(), `${workflow} ${column}`).toBe(text);
    }
    expect(await page.locator("#runs-by-status-summary").textContent()).toContain("6 runs: 5 succeeded, 1 failed.");
    expect(await page.locator('canvas[data-chart="durations"]').getAttribute("aria-label")).toMatch(/p50/);
    await page.locator("figure.chart details > summary").first().click();
    expect(await page.locator("figure.chart details table").first().locator("tbody tr").count()).toBeGreaterThan(0);
    await screenshot(page, "metrics");

    await page.getByLabel("Workflow", { exact: true }).selectOption("ops-echo");
    await page.waitForURL(/workflow=ops-echo/, { timeout: TIMEOUT });
    await expect
      .poll(
        () =>
          page.locator("tr[data-workflow]").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-workflow"))),
        { timeout: TIMEOUT },
      )
      .toEqual(["ops-echo"]);
  });

  it("lists the audit log, filters it by action, shows the chain intact and exports NDJSON", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
    await page.getByRole("heading", { name: "Audit" }).waitFor({ timeout: TIMEOUT });
    await page.locator('[data-chain="intact"]', { hasText: "chain intact" }).waitFor({ timeout: TIMEOUT });
    await page.locator("table.audit tbody tr").first().waitFor({ timeout: TIMEOUT });
    expect(await page.locator('table.audit tr[data-action="approval.decided"]').count()).toBeGreaterThanOrEqual(3);

    await page.getByLabel("Action").fill("run.started");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/action=run.started/, { timeout: TIMEOUT });
    await expect
      .poll(
        () =>
          page
            .locator("table.audit tbody tr")
            .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-action"))),
        { timeout: TIMEOUT },
      )
      .toEqual(Array(6).fill("run.started"));
    await page.locator("table.audit tbody tr details.audit-detail > summary").first().click();
    await page
      .locator("table.audit tbody tr details.audit-detail .json-key", { hasText: '"trigger"' })
      .first()
      .waitFor({ timeout: TIMEOUT });
    await screenshot(page, "audit");

    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: TIMEOUT }),
      page.getByRole("button", { name: "Export NDJSON" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^waymark-audit-.*\.ndjson$/);
    const lines = readFileSync(await download.path(), "utf8")
      .trim()
      .split("\n");
    expect(lines.map((line) => (JSON.parse(line) as { action: string }).action)).toEqual(Array(6).fill("run.started"));
  });

  it("offers a viewer Approvals and Metrics but not Audit", async () => {
    const issued = await stack.current.api.request<{ token: string }>("POST", "/api/tokens", {
      name: "ops-viewer",
      role: "viewer",
    });
    expect(issued.status).toBe(201);
    const viewer = await open();
    await signIn(viewer, stack.current.url, issued.body.token);
    const nav = viewer.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link").allTextContents()).toEqual(
      expect.arrayContaining(["Runs", "Approvals", "Metrics"]),
    );
    expect(await nav.getByRole("link", { name: "Audit" }).count()).toBe(0);
    await viewer.goto(`${stack.current.url}/audit`);
    await viewer.getByRole("alert").filter({ hasText: "admin tokens only" }).waitFor({ timeout: TIMEOUT });
    await viewer.context().close();
  });
});
