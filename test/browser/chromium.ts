// Real Chromium for the dashboard tests: Debian's `chromium` (CI installs it, see .ci/run),
// driven by playwright-core. Never a downloaded browser. One browser per test file.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { ROOT } from "../../src/dev/local-stack";

const CHROMIUM = process.env.WAYMARK_CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOTS = path.join(ROOT, "test/browser/screenshots");
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"];

export interface Chromium {
  readonly browser: Browser;
  /** A fresh context (its own localStorage) and page at `viewport`. */
  newPage(viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }>;
}

export function useChromium(): { readonly current: Chromium } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}. Install Debian's package (apt-get install -y chromium) or set WAYMARK_CHROMIUM to a Chromium binary; browser tests never download one.`,
      );
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get current() {
      if (!browser) throw new Error("Chromium starts in beforeAll");
      const started = browser;
      return {
        browser: started,
        newPage: async (viewport = { width: 1280, height: 900 }) => {
          const context = await started.newContext({ viewport });
          return { context, page: await context.newPage() };
        },
      };
    },
  };
}

/** Every Content-Security-Policy violation and page error the page reports, for asserting none. */
export function watchForViolations(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

/** Signs in through the dashboard's form and waits for the Runs page it lands on. */
export async function signIn(page: Page, baseUrl: string, token: string, timeout = 15_000): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Runs" }).waitFor({ timeout });
}

export const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
