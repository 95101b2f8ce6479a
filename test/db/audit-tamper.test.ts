// A reordered audit log is caught: swapping two adjacent chained entries in D1,
// by their content alone or as whole rows with their hashes, breaks the chain at the first
// swapped entry. Each test puts the rows back and sees the chain valid again.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectJson, saveWorkflow } from "../support/workers/api";
import { uniqueName } from "../support/workers/tokens";

type Row = Record<string, unknown> & { seq: number; event_id: string };
interface Report {
  valid: boolean;
  checked: number;
  unchained: number;
  firstBreak?: { seq: number; reason: string };
}

const WORKFLOW = uniqueName("audit-tamper");
const CONTENT = [
  "event_id",
  "at",
  "actor_type",
  "actor_id",
  "actor_name",
  "actor_role",
  "action",
  "target",
  "run_id",
  "request_id",
  "client_ip",
  "result",
  "detail",
];
const WHOLE = [...CONTENT, "prev_hash", "hash"];

const verify = async () => expectJson<Report>(await call("GET", "/api/audit/verify"), 200);

function overwrite(seq: number, row: Row, columns: string[]) {
  return env.DB.prepare(
    `UPDATE audit_log SET ${columns.map((column) => `${column} = ?`).join(", ")} WHERE seq = ?`,
  ).bind(...columns.map((column) => row[column]), seq);
}

/** Writes `first`'s columns into `second`'s seq and back; event_id is unique, so it steps aside first. */
async function exchange(first: Row, second: Row, columns: string[]): Promise<void> {
  await env.DB.batch([
    env.DB.prepare("UPDATE audit_log SET event_id = ? WHERE seq = ?").bind(`swap:${first.seq}`, first.seq),
    overwrite(second.seq, first, columns),
    overwrite(first.seq, second, columns),
  ]);
}

async function restore(first: Row, second: Row): Promise<void> {
  await env.DB.batch([
    env.DB.prepare("UPDATE audit_log SET event_id = ? WHERE seq = ?").bind(`restore:${first.seq}`, first.seq),
    overwrite(second.seq, second, WHOLE),
    overwrite(first.seq, first, WHOLE),
  ]);
}

/** Two chained entries next to each other in the chain, both this file's, with entries after them. */
async function adjacentPair(): Promise<[Row, Row]> {
  const { results } = await env.DB.prepare("SELECT * FROM audit_log WHERE target = ? AND hash IS NOT NULL ORDER BY seq")
    .bind(`/api/workflows/${WORKFLOW}`)
    .all<Row>();
  for (let i = 0; i + 2 < results.length; i++) {
    const [first, second] = [results[i]!, results[i + 1]!];
    const between = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE seq > ? AND seq < ?")
      .bind(first.seq, second.seq)
      .first<{ n: number }>();
    if (between!.n === 0) return [first, second];
  }
  throw new Error("no two adjacent audit entries of this file's workflow");
}

beforeAll(async () => {
  await saveWorkflow(WORKFLOW, { id: WORKFLOW, triggers: [], steps: [{ id: "a", type: "transform", expr: "1" }] });
  for (const enabled of [false, true, false, true])
    expect((await call("PATCH", `/api/workflows/${WORKFLOW}`, { json: { enabled } })).status).toBe(200);
  // The entries are written after each response; verify chains whatever has landed.
  for (let i = 0; i < 50 && (await adjacentPair().catch(() => null)) === null; i++) {
    await verify();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(await verify()).toMatchObject({ valid: true, unchained: 0 });
});

describe("a reordered pair of audit entries", () => {
  it("swapped by content is reported at the first of the two", async () => {
    const [first, second] = await adjacentPair();
    await exchange(first, second, CONTENT);
    try {
      const report = await verify();
      expect(report.valid).toBe(false);
      expect(report.firstBreak).toEqual({
        seq: first.seq,
        reason: expect.stringMatching(/content does not match its hash/),
      });
    } finally {
      await restore(first, second);
    }
    expect(await verify()).toMatchObject({ valid: true, unchained: 0 });
  });

  it("swapped as whole rows, hashes and all, is reported at the first of the two", async () => {
    const [first, second] = await adjacentPair();
    await exchange(first, second, WHOLE);
    try {
      const report = await verify();
      expect(report.valid).toBe(false);
      expect(report.firstBreak).toEqual({
        seq: first.seq,
        reason: expect.stringMatching(/does not follow the entry before it/),
      });
    } finally {
      await restore(first, second);
    }
    expect(await verify()).toMatchObject({ valid: true, unchained: 0 });
  });
});
