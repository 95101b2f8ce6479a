/// <reference types="vite/client" />
// Security headers: every answer the Worker gives carries nosniff,
// no-referrer, DENY and a Content-Security-Policy, errors included, HSTS over https; the
// dashboard's static files get theirs, with the strict policy, from dashboard/_headers.
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import dashboardHeaders from "../../dashboard/_headers?raw";
import dashboardIndex from "../../dashboard/index.html?raw";
import { createApp } from "../../src/api/app";
import { call } from "../support/workers/api";

const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function expectSecurityHeaders(response: Response): void {
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  expect(response.headers.get("x-frame-options")).toBe("DENY");
  expect(response.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
}

describe("an answer from the Worker", () => {
  it("carries the security headers on a success", async () => {
    const response = await call("GET", "/api/health", { token: null });
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
    expect(response.headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
  });

  it("carries them on errors: 401, 404 and a malformed body", async () => {
    expectSecurityHeaders(await call("GET", "/api/workflows", { token: null }));
    expectSecurityHeaders(await call("GET", "/api/no-such-route"));
    expectSecurityHeaders(await call("POST", "/api/events", { raw: "{", contentType: "application/json" }));
  });

  it("carries them on a webhook answer", async () => {
    expectSecurityHeaders(
      await call("POST", "/hooks/no-such-workflow", { token: null, raw: "{}", contentType: "application/json" }),
    );
  });

  it("adds Strict-Transport-Security over https only", async () => {
    const over = (scheme: string) =>
      createApp().fetch(new Request(`${scheme}://waymark.test/api/health`), env, createExecutionContext());
    expect((await over("https")).headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
    expect((await over("http")).headers.get("strict-transport-security")).toBeNull();
  });
});

describe("the dashboard's static files", () => {
  it("get the strict Content-Security-Policy and the other headers from dashboard/_headers", () => {
    const rules = dashboardHeaders.split("\n").filter((line) => !line.startsWith("#"));
    expect(rules[0]).toBe("/*");
    const csp = rules.find((line) => line.trim().startsWith("Content-Security-Policy:"));
    expect(csp).toContain(DASHBOARD_CSP);
    for (const header of ["X-Content-Type-Options: nosniff", "Referrer-Policy: no-referrer", "X-Frame-Options: DENY"]) {
      expect(rules.map((line) => line.trim())).toContain(header);
    }
  });

  it("hold no inline style or script, so the strict policy does not break the page", () => {
    expect(dashboardIndex).not.toMatch(/<style|<script(?![^>]*\bsrc=)|\sstyle=|\son\w+=/i);
    expect(dashboardIndex).toMatch(/<link rel="stylesheet" href="\/app.css">/);
  });
});
