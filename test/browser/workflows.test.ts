// The Workflows pages in real Chromium against `wrangler dev` (docs/dashboard.md): the list with
// triggers, webhook URL and next cron times; the editor flagging a bad duration and a YAML
// syntax error at their lines, previewing the graph, saving, and "Run now" through the
// form generated from the input schema; the diff between two versions; a viewer reading
// only; a phone's width. No CSP violation or page error is tolerated.
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { useStack } from "../support/stack";
import { screenshot, useChromium, watchForViolations } from "./chromium";

const stack = useStack("browser-workflows");
const chromium = useChromium();
const TIMEOUT = 15_000;

/** A webhook and a cron trigger: the list shows the URL and the next fire times. */
const nightly = {
  id: "wf-nightly",
  name: "Nightly report",
  triggers: [
    { type: "webhook", verify: { scheme: "none" } },
    { type: "cron", schedule: "0 3 * * *", timezone: "Europe/Paris" },
  ],
  steps: [{ id: "report", type: "transform", expr: "'done'" }],
};

/** Typed into the editor: line 12 holds a bad duration (steps[1].retry.delay). */
const definition = (delay: string, tone = "' ('") => `id: wf-editor
name: Editor test
triggers:
  - type: api
input:
  type: object
  required: [name]
  properties:
    name: { type: string, description: Who to greet }
    times: { type: integer }
    loud: { type: boolean }
    tone: { enum: [warm, dry] }
steps:
  - id: greet
    type: transform
    expr: "'Hello, ' & input.name"
  - id: shout
    type: transform
    needs: [greet]
    retry: { attempts: 2, delay: ${delay} }
    expr: "$uppercase(steps.greet.output)"
  - id: done
    type: transform
    needs: [greet, shout]
    expr: "steps.shout.output & ${tone} & input.tone & ')'"
`;
const lineOf = (text: string, needle: string) => text.split("\n").findIndex((line) => line.includes(needle)) + 1;

let violations: string[] = [];
afterEach(() => {
  expect(violations, "CSP violations or page errors").toEqual([]);
});

async function signedIn(token: string, viewport?: { width: number; height: number }): Promise<Page> {
  const { page } = await chromium.current.newPage(viewport);
  violations = watchForViolations(page);
  await page.goto(`${stack.current.url}/`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Runs" }).waitFor({ timeout: TIMEOUT });
  return page;
}

describe("the workflows pages", () => {
  let page: Page;

  it("list workflows with their triggers, webhook URL, next cron times and enabled switch", async () => {
    await stack.current.api.putWorkflow(nightly);
    page = await signedIn(stack.current.vars.WAYMARK_ADMIN_TOKEN);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Workflows" }).click();
    await page.getByRole("heading", { name: "Workflows" }).waitFor({ timeout: TIMEOUT });
    const row = page.locator('tr[data-workflow-id="wf-nightly"]');
    await row.waitFor({ timeout: TIMEOUT });
    expect(await row.getByRole("textbox", { name: "webhook URL of wf-nightly" }).inputValue()).toBe(
      `${stack.current.url}/hooks/wf-nightly`,
    );
    await row.locator(".next-times time").nth(2).waitFor({ timeout: TIMEOUT });
    expect(await row.locator(".cron code").textContent()).toBe("0 3 * * *");
    await row.getByRole("button", { name: "Copy webhook URL of wf-nightly" }).click();
    await row
      .getByRole("status")
      .filter({ hasText: /Copied|Selected/ })
      .waitFor({ timeout: TIMEOUT });
    await screenshot(page, "workflows");

    const toggle = row.getByRole("switch", { name: "Enabled: wf-nightly" });
    expect(await toggle.getAttribute("aria-checked")).toBe("true");
    await toggle.click();
    await row.locator('.switch[aria-checked="false"]:not([disabled])').waitFor({ timeout: TIMEOUT });
    expect(
      (await stack.current.api.request<{ enabled: boolean }>("GET", "/api/workflows/wf-nightly")).body.enabled,
    ).toBe(false);
    await row.getByText("not scheduled (disabled)").waitFor({ timeout: TIMEOUT });
    await toggle.click();
    await row.locator('.switch[aria-checked="true"]:not([disabled])').waitFor({ timeout: TIMEOUT });
    await row.locator(".next-times time").first().waitFor({ timeout: TIMEOUT });
  });

  it("flags a bad duration and a YAML syntax error at their lines, previews the graph, saves and runs", async () => {
    await page.getByRole("link", { name: "New workflow" }).click();
    await page.getByRole("heading", { name: "New workflow" }).waitFor({ timeout: TIMEOUT });
    // Outside /workflows/{id}, so a workflow may be called "new".
    expect(new URL(page.url()).pathname).toBe("/new-workflow");
    const editor = page.getByLabel("Definition", { exact: true });
    const problems = page.getByRole("list", { name: /Problems/ });

    const withBadDelay = definition("5 seconds");
    await editor.fill(withBadDelay);
    const delayIssue = problems.getByRole("button", { name: /steps\[1\]\.retry\.delay/ });
    await delayIssue.waitFor({ timeout: TIMEOUT });
    const delayLine = lineOf(withBadDelay, "delay:");
    expect(await delayIssue.getAttribute("data-line")).toBe(String(delayLine));
    expect(await delayIssue.textContent()).toContain(`Line ${delayLine}:`);
    await page.locator(`.code-line.marked[data-line="${delayLine}"]`).waitFor({ timeout: TIMEOUT });

    const withSyntaxError = withBadDelay.replace("name: Editor test", "name: Editor: test");
    await editor.fill(withSyntaxError);
    const syntaxIssue = problems.getByRole("button", { name: /YAML syntax/ });
    await syntaxIssue.waitFor({ timeout: TIMEOUT });
    expect(await syntaxIssue.getAttribute("data-line")).toBe("2");
    await page.locator('.code-line.marked[data-line="2"]').waitFor({ timeout: TIMEOUT });
    await syntaxIssue.click();
    await screenshot(page, "editor-error");
    const cursorLine =
      "(() => { const area = document.getElementById('definition'); return area.value.slice(0, area.selectionStart).split('\\n').length; })()";
    expect(await page.evaluate(cursorLine)).toBe(2);
    expect(await page.evaluate("document.activeElement.id")).toBe("definition");

    await editor.fill(definition("2s"));
    await page.getByRole("status").filter({ hasText: "No problems found." }).waitFor({ timeout: TIMEOUT });
    expect(await page.locator(".code-line.marked").count()).toBe(0);
    const preview = page.getByRole("region", { name: "Graph preview" });
    await preview.locator('g.node[data-step="done"]').waitFor({ timeout: TIMEOUT });
    expect(await preview.locator("g.node").count()).toBe(3);
    expect(await preview.locator("path.edge").count()).toBe(3);
    await screenshot(page, "editor");
    await page.getByRole("radio", { name: "JSON" }).check();
    expect(await editor.inputValue()).toMatch(/^\{\n {2}"id": "wf-editor",/);
    await page.getByRole("status").filter({ hasText: "No problems found." }).waitFor({ timeout: TIMEOUT });
    await page.getByRole("radio", { name: "YAML" }).check();
    expect(await editor.inputValue()).toMatch(/^id: wf-editor\n/);

    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved as version 1.").waitFor({ timeout: TIMEOUT });
    expect(new URL(page.url()).pathname).toBe("/workflows/wf-editor");
    await editor.fill(definition("2s", "' – '"));
    await page.getByRole("status").filter({ hasText: "No problems found." }).waitFor({ timeout: TIMEOUT });
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved as version 2.").waitFor({ timeout: TIMEOUT });
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Unchanged: the definition is the same as version 2.").waitFor({ timeout: TIMEOUT });

    await page.getByRole("button", { name: "Run now" }).click();
    const form = page.getByRole("form", { name: "Run input" });
    await form.getByRole("button", { name: "Start run" }).click();
    await form.getByText("Required.").waitFor({ timeout: TIMEOUT });
    await form.getByLabel(/^name/).fill("Ada");
    await form.getByLabel(/^times/).fill("3");
    await form.getByLabel(/^loud/).selectOption({ label: "true" });
    await form.getByLabel(/^tone/).selectOption({ label: "dry" });
    await form.getByRole("button", { name: "Start run" }).click();
    await page.waitForURL(/\/runs\/run_/, { timeout: TIMEOUT });
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor({ timeout: TIMEOUT });
    const run = await stack.current.api.getRun(new URL(page.url()).pathname.split("/").at(-1)!);
    expect(run).toMatchObject({
      workflow: "wf-editor",
      version: 2,
      input: { name: "Ada", times: 3, loud: true, tone: "dry" },
    });
    expect(run.steps.find((step) => step.id === "done")!.output).toBe("HELLO, ADA – dry)");
  });

  it("asks before leaving an edited definition, and stays when told to", async () => {
    await page.goto(`${stack.current.url}/workflows/wf-editor`);
    const editor = page.getByLabel("Definition", { exact: true });
    await page.getByRole("status").filter({ hasText: "No problems found." }).waitFor({ timeout: TIMEOUT });
    await editor.press("End");
    await editor.pressSequentially("\n# an unsaved note");
    const runsLink = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" });
    const asked: string[] = [];
    page.once("dialog", (dialog) => (asked.push(dialog.message()), void dialog.dismiss()));
    await runsLink.click();
    await expect.poll(() => asked).toEqual(["Leave this page? Your changes are not saved."]);
    expect(new URL(page.url()).pathname).toBe("/workflows/wf-editor");
    expect(await editor.inputValue()).toContain("# an unsaved note");
    page.once("dialog", (dialog) => void dialog.accept());
    await runsLink.click();
    await page.getByRole("heading", { name: "Runs" }).waitFor({ timeout: TIMEOUT });
  });

  it("shows the version history with a diff between v1 and v2", async () => {
    await page.goto(`${stack.current.url}/workflows/wf-editor/versions`);
    await page.getByRole("heading", { name: "Changes from version 1 to version 2" }).waitFor({ timeout: TIMEOUT });
    expect(await page.locator("table.versions tbody tr").count()).toBe(2);
    const diff = page.locator("table.diff");
    expect(await diff.locator("tr.diff-removed").count()).toBe(1);
    expect(await diff.locator("tr.diff-added").count()).toBe(1);
    expect(await diff.locator("tr.diff-removed .diff-text").textContent()).toContain("' ('");
    expect(await diff.locator("tr.diff-added .diff-text").textContent()).toContain("' – '");
    expect(await page.getByTestId("diff-summary").textContent()).toContain("1 line added, 1 line removed.");
    await screenshot(page, "versions-diff");
    await page.getByRole("radio", { name: "Compare from version 2" }).check();
    await page.getByText("The same version on both sides").waitFor({ timeout: TIMEOUT });
    await page.context().close();
  });

  it("lets a viewer read only, and fits a phone", async () => {
    const issued = await stack.current.api.request<{ token: string }>("POST", "/api/tokens", {
      name: "workflows-viewer",
      role: "viewer",
    });
    const viewer = await signedIn(issued.body.token, { width: 390, height: 844 });
    await viewer.goto(`${stack.current.url}/workflows`);
    await viewer.locator('tr[data-workflow-id="wf-editor"]').waitFor({ timeout: TIMEOUT });
    expect(await viewer.getByRole("switch").count()).toBe(0);
    expect(await viewer.getByRole("link", { name: "New workflow" }).count()).toBe(0);
    expect(await viewer.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);

    await viewer.goto(`${stack.current.url}/workflows/wf-editor`);
    await viewer.getByRole("status").filter({ hasText: "No problems found." }).waitFor({ timeout: TIMEOUT });
    expect(await viewer.getByLabel("Definition", { exact: true }).getAttribute("readonly")).not.toBeNull();
    expect(await viewer.getByRole("button", { name: /^(Save|Run now)$/ }).count()).toBe(0);
    expect(await viewer.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await screenshot(viewer, "workflow-phone");
    await viewer.context().close();
  });
});
