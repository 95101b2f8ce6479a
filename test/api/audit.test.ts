// The audit log: every mutating API call and every run transition is recorded,
// filtered newest first, exported as NDJSON, and hash-chained so GET /api/audit/verify
// finds the first entry that was changed or removed.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectJson, saveWorkflow, startRunThroughApi } from "../support/workers/api";

interface Entry {
  seq: number;
  actor: { type: string; id: string | null; name: string | null; role: string | null };
  action: string;
  target: string;
  runId: string | null;
  requestId: string | null;
  result: string | null;
  hash: string | null;
}

const flow = (id: string) => ({ id, triggers: [], steps: [{ id: "a", type: "transform", expr: "1" }] });

async function entries(query: string): Promise<{ entries: Entry[]; nextCursor: string | null }> {
  return expectJson(await call("GET", `/api/audit?${query}`), 200);
}

async function waitForEntries(query: string, count: number): Promise<Entry[]> {
  for (let i = 0; i < 50; i++) {
    const page = await entries(query);
    if (page.entries.length >= count) return page.entries;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${count} audit entries for ${query}`);
}

describe("the audit log", () => {
  it("records a mutating API call with actor, role, action, target, request id and result", async () => {
    const response = await call("PUT", "/api/workflows/audit-save", { json: flow("audit-save") });
    expect(response.status).toBe(201);
    const [entry] = await waitForEntries("target=/api/workflows/audit-save", 1);
    expect(entry).toMatchObject({
      actor: { type: "token", id: "admin-token", name: "admin", role: "admin" },
      action: "PUT /api/workflows/:id",
      target: "/api/workflows/audit-save",
      result: "201",
      requestId: response.headers.get("x-request-id"),
    });
  });

  it("does not record reads", async () => {
    await call("GET", "/api/workflows/audit-save");
    const page = await entries("action=GET%20/api/workflows/:id");
    expect(page.entries).toEqual([]);
  });

  it("records the run's transitions through its outbox", async () => {
    await saveWorkflow("audit-run", flow("audit-run"));
    const run = await startRunThroughApi("audit-run");
    const recorded = await waitForEntries(`target=run:${run.id}`, 2);
    expect(recorded.map((entry) => entry.action).sort()).toEqual(["run.started", "run.succeeded"]);
    expect(recorded[0]!.actor).toMatchObject({ type: "run", id: run.id });
  });

  it("pages newest first with a cursor", async () => {
    for (const n of [1, 2, 3]) await call("PATCH", "/api/workflows/audit-save", { json: { enabled: n % 2 === 0 } });
    const first = await entries("action=PATCH%20/api/workflows/:id&target=/api/workflows/audit-save&limit=2");
    expect(first.entries).toHaveLength(2);
    expect(first.entries[0]!.seq).toBeGreaterThan(first.entries[1]!.seq);
    const second = await entries(
      `action=PATCH%20/api/workflows/:id&target=/api/workflows/audit-save&limit=2&cursor=${first.nextCursor}`,
    );
    expect(second.entries.map((entry) => entry.seq)).toEqual([expect.any(Number)]);
    expect(second.entries[0]!.seq).toBeLessThan(first.entries[1]!.seq);
  });

  it("exports matching entries as NDJSON", async () => {
    const response = await call(
      "GET",
      "/api/audit?action=PATCH%20/api/workflows/:id&target=/api/workflows/audit-save&format=ndjson",
    );
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await response.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Entry);
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => line.action === "PATCH /api/workflows/:id")).toBe(true);
  });

  it("is refused to anyone but an admin token", async () => {
    expect((await call("GET", "/api/audit", { token: null })).status).toBe(401);
  });
});

describe("the audit chain", () => {
  it("is valid when nothing was touched, and every entry gets a hash", async () => {
    const report = await expectJson<{ valid: boolean; checked: number; unchained: number }>(
      await call("GET", "/api/audit/verify"),
      200,
    );
    expect(report).toMatchObject({ valid: true, unchained: 0 });
    expect(report.checked).toBeGreaterThan(5);
    expect((await entries("limit=5")).entries.filter((entry) => entry.hash === null).length).toBeLessThanOrEqual(1);
  });

  it("reports the first changed entry", async () => {
    await call("GET", "/api/audit/verify");
    const victim = (await entries("action=PATCH%20/api/workflows/:id&target=/api/workflows/audit-save&limit=1"))
      .entries[0]!;
    await env.DB.prepare("UPDATE audit_log SET result = '200-forged' WHERE seq = ?").bind(victim.seq).run();
    const report = await expectJson<{ valid: boolean; firstBreak: { seq: number; reason: string } }>(
      await call("GET", "/api/audit/verify"),
      200,
    );
    expect(report.valid).toBe(false);
    expect(report.firstBreak).toMatchObject({ seq: victim.seq, reason: expect.stringMatching(/changed/) });
    await env.DB.prepare("UPDATE audit_log SET result = '200' WHERE seq = ?").bind(victim.seq).run();
  });

  it("reports an entry removed from the middle at the entry after it", async () => {
    await call("GET", "/api/audit/verify");
    const [newer, victim] = (
      await entries("action=PATCH%20/api/workflows/:id&target=/api/workflows/audit-save&limit=2")
    ).entries;
    const saved = await env.DB.prepare("SELECT * FROM audit_log WHERE seq = ?")
      .bind(victim!.seq)
      .first<Record<string, unknown>>();
    await env.DB.prepare("DELETE FROM audit_log WHERE seq = ?").bind(victim!.seq).run();
    const report = await expectJson<{ valid: boolean; firstBreak: { seq: number } }>(
      await call("GET", "/api/audit/verify"),
      200,
    );
    expect(report.valid).toBe(false);
    expect(report.firstBreak.seq).toBeGreaterThan(victim!.seq);
    expect(report.firstBreak.seq).toBeLessThanOrEqual(newer!.seq);
    const columns = Object.keys(saved!);
    await env.DB.prepare(`INSERT INTO audit_log (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`)
      .bind(...columns.map((column) => saved![column]))
      .run();
    expect((await expectJson<{ valid: boolean }>(await call("GET", "/api/audit/verify"), 200)).valid).toBe(true);
  });
});
