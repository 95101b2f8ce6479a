// An API call is not confirmed unless its audit entry is written: when the insert
// into audit_log fails, no mutating call answers success. Where the change is a D1 write it
// goes in the entry's batch, so it is not made either; a change made elsewhere (a run's
// Durable Object) is answered 503 rather than confirmed with its entry missing.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  call,
  callWithBindings,
  expectJson,
  expectProblem,
  saveWorkflow,
  startRunThroughApi,
} from "../support/workers/api";
import { issueToken, uniqueName } from "../support/workers/tokens";

const AUDIT_INSERT = /^insert into "audit_log"/i;

/** env.DB, except that any statement or batch inserting into audit_log fails. */
function auditFailingD1(): D1Database {
  const sqlOf = new WeakMap<object, string>();
  const fail = () => Promise.reject(new Error("D1_ERROR: simulated failure of the audit insert"));
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapped = new Proxy(statement, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (typeof value !== "function") return value;
        const method = value as (...args: unknown[]) => unknown;
        if (key === "bind") return (...args: unknown[]) => wrap(method.apply(target, args) as D1PreparedStatement, sql);
        if (AUDIT_INSERT.test(sql) && ["run", "all", "first", "raw"].includes(String(key))) return fail;
        return method.bind(target);
      },
    });
    sqlOf.set(wrapped, sql);
    return wrapped;
  };
  return new Proxy(env.DB, {
    get(target, key) {
      if (key === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      if (key === "batch")
        return (statements: D1PreparedStatement[]) =>
          statements.some((statement) => AUDIT_INSERT.test(sqlOf.get(statement) ?? ""))
            ? fail()
            : target.batch(statements);
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function callWithFailingAudit(method: string, path: string, json?: unknown): Promise<Response> {
  return callWithBindings({ ...env, DB: auditFailingD1() } as unknown as Env, method, path, json);
}

const WORKFLOW = uniqueName("audit-fails");
const flow = (id: string) => ({ id, triggers: [{ type: "api" }], steps: [{ id: "ok", type: "approval" }] });

beforeAll(async () => {
  await saveWorkflow(WORKFLOW, flow(WORKFLOW));
});

describe("an API mutation whose audit entry cannot be written", () => {
  it("saving a new workflow answers 503 and saves nothing", async () => {
    const id = uniqueName("audit-fails-new");
    await expectProblem(await callWithFailingAudit("PUT", `/api/workflows/${id}`, flow(id)), 503, "unavailable");
    expect((await call("GET", `/api/workflows/${id}`)).status).toBe(404);
  });

  it("disabling a workflow answers 503 and leaves it enabled", async () => {
    const response = await callWithFailingAudit("PATCH", `/api/workflows/${WORKFLOW}`, { enabled: false });
    await expectProblem(response, 503, "unavailable");
    expect((await expectJson<{ enabled: boolean }>(await call("GET", `/api/workflows/${WORKFLOW}`), 200)).enabled).toBe(
      true,
    );
  });

  it("archiving a workflow answers 503 and leaves it listed", async () => {
    await expectProblem(await callWithFailingAudit("DELETE", `/api/workflows/${WORKFLOW}`), 503, "unavailable");
    const workflow = await expectJson<{ archived: boolean }>(await call("GET", `/api/workflows/${WORKFLOW}`), 200);
    expect(workflow.archived).toBe(false);
  });

  it("creating a token answers 503 and issues none", async () => {
    const name = uniqueName("audit-fails-token");
    await expectProblem(
      await callWithFailingAudit("POST", "/api/tokens", { name, role: "viewer" }),
      503,
      "unavailable",
    );
    const { tokens } = await expectJson<{ tokens: { name: string }[] }>(await call("GET", "/api/tokens"), 200);
    expect(tokens.map((token) => token.name)).not.toContain(name);
  });

  it("revoking a token answers 503 and the token still works", async () => {
    const issued = await issueToken("viewer");
    await expectProblem(await callWithFailingAudit("DELETE", `/api/tokens/${issued.id}`), 503, "unavailable");
    expect((await call("GET", "/api/workflows", { token: issued.token })).status).toBe(200);
  });

  it("writing a secret answers 503 and stores nothing", async () => {
    const name = `AUDIT_FAILS_${crypto.randomUUID().slice(0, 8)}`;
    await expectProblem(
      await callWithFailingAudit("PUT", `/api/secrets/${name}`, { value: "s3cret" }),
      503,
      "unavailable",
    );
    const { secrets } = await expectJson<{ secrets: { name: string }[] }>(await call("GET", "/api/secrets"), 200);
    expect(secrets.map((secret) => secret.name)).not.toContain(name);
  });

  it("deleting a secret answers 503 and keeps it", async () => {
    const name = `AUDIT_KEEPS_${crypto.randomUUID().slice(0, 8)}`;
    expect((await call("PUT", `/api/secrets/${name}`, { json: { value: "v" } })).status).toBe(201);
    await expectProblem(await callWithFailingAudit("DELETE", `/api/secrets/${name}`), 503, "unavailable");
    const { secrets } = await expectJson<{ secrets: { name: string }[] }>(await call("GET", "/api/secrets"), 200);
    expect(secrets.map((secret) => secret.name)).toContain(name);
  });

  it("putting a knowledge document answers 503 and indexes nothing", async () => {
    const docId = uniqueName("doc");
    const path = `/api/knowledge/audit-fails/${docId}`;
    await expectProblem(
      await callWithFailingAudit("PUT", path, { text: "refunds within 30 days" }),
      503,
      "unavailable",
    );
    const { documents } = await expectJson<{ documents: { docId: string }[] }>(
      await call("GET", "/api/knowledge/audit-fails"),
      200,
    );
    expect(documents.map((document) => document.docId)).not.toContain(docId);
  });

  it("deleting a knowledge document answers 503 and keeps it", async () => {
    const docId = uniqueName("doc");
    const path = `/api/knowledge/audit-fails/${docId}`;
    expect((await call("PUT", path, { json: { text: "exchanges within 14 days" } })).status).toBe(201);
    await expectProblem(await callWithFailingAudit("DELETE", path), 503, "unavailable");
    const { documents } = await expectJson<{ documents: { docId: string }[] }>(
      await call("GET", "/api/knowledge/audit-fails"),
      200,
    );
    expect(documents.map((document) => document.docId)).toContain(docId);
  });

  it("cancelling a run (a change in its Durable Object) does not answer success", async () => {
    const workflow = uniqueName("audit-fails-run");
    await saveWorkflow(workflow, flow(workflow));
    const run = await startRunThroughApi(workflow);
    await expectProblem(await callWithFailingAudit("POST", `/api/runs/${run.id}/cancel`), 503, "unavailable");
  });
});
