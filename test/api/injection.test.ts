// Injection attempts are harmless: SQL-looking filters match nothing they should
// not, `__proto__` keys stay plain data, `{{ }}` in an input is sent as text and never
// evaluated, and a CR/LF in a templated header cannot add a header of its own.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { call, expectJson, expectProblem, getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";
import { readRun, startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";
import { answerFetch, deliver, jsonResponse } from "../support/workers/tasks";
import { uniqueName } from "../support/workers/tokens";

const SUFFIX = crypto.randomUUID().slice(0, 8);
const LISTED = `inj-listed-${SUFFIX}`;
const ECHO = `inj-echo-${SUFFIX}`;
const SECRET = `INJ_KEY_${SUFFIX}`;
const SECRET_VALUE = `sk_inj_${crypto.randomUUID()}`;

const listedFlow = { id: LISTED, triggers: [{ type: "api" }], steps: [{ id: "a", type: "transform", expr: "input" }] };
// An http step that uses a secret of its own, so `secrets` is in scope while the input renders.
const echoFlow = {
  id: ECHO,
  triggers: [{ type: "api" }],
  steps: [
    {
      id: "send",
      type: "http",
      retry: { attempts: 1 },
      request: {
        method: "POST",
        url: "https://receiver.example/notes",
        headers: { authorization: `Bearer {{ secrets.${SECRET} }}`, "x-note": "{{ input.note }}" },
        body: { note: "{{ input.note }}", quoted: "note: {{ input.note }}" },
      },
    },
  ],
};

beforeAll(async () => {
  await saveWorkflow(LISTED, listedFlow);
  await saveWorkflow(ECHO, echoFlow);
  await expectJson(await call("PUT", `/api/secrets/${SECRET}`, { json: { value: SECRET_VALUE } }), 201);
  await waitForOutboxFlush((await startRunThroughApi(LISTED, { input: { n: 1 } })).id);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const listRuns = async (query: string) => call("GET", `/api/runs?${query}`);
const listAudit = async (query: string) => call("GET", `/api/audit?${query}`);
const q = (value: string) => encodeURIComponent(value);

describe("SQL-looking filters", () => {
  it("a quoted workflow filter matches no run instead of every run", async () => {
    for (const workflow of ["' OR 1=1 --", `${LISTED}' OR '1'='1`, `"; DROP TABLE runs; --`]) {
      expect(await expectJson(await listRuns(`workflow=${q(workflow)}`), 200)).toEqual({ runs: [], nextCursor: null });
    }
    const page = await expectJson<{ runs: { workflow: string }[] }>(await listRuns(`workflow=${LISTED}`), 200);
    expect(page.runs.length).toBeGreaterThan(0);
  });

  it("a quoted status or since is refused as a bad request, not run as SQL", async () => {
    await expectProblem(await listRuns(`status=${q("succeeded' OR '1'='1")}`), 400, "bad_request");
    await expectProblem(await listRuns(`since=${q("2020-01-01T00:00:00Z' OR 1=1 --")}`), 400, "bad_request");
  });

  it("a quoted cursor pages by comparison only, so it reaches no other workflow's runs", async () => {
    expect(await expectJson(await listRuns(`cursor=${q("' OR 1=1 --")}`), 200)).toEqual({ runs: [], nextCursor: null });
    const page = await expectJson<{ runs: { workflow: string }[] }>(
      await listRuns(`workflow=${LISTED}&cursor=${q("zzz' OR '1'='1")}`),
      200,
    );
    expect(page.runs.map((run) => run.workflow)).toEqual(page.runs.map(() => LISTED));
  });

  it("quoted audit filters match no entry, and a non-numeric audit cursor is refused", async () => {
    for (const field of ["actor", "action", "target"]) {
      for (const value of ["' OR '1'='1", "x' OR 1=1 --", "admin-token' --"]) {
        expect(await expectJson(await listAudit(`${field}=${q(value)}`), 200), `${field}=${value}`).toEqual({
          entries: [],
          nextCursor: null,
        });
      }
    }
    await expectProblem(await listAudit(`cursor=${q("1 OR 1=1")}`), 400, "bad_request");
    await expectProblem(await listAudit(`since=${q("' OR 1=1 --")}`), 400, "bad_request");
  });
});

describe("__proto__, constructor and prototype keys", () => {
  const hostile = `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},"n":2}`;

  it("in a run input pollute nothing and are kept as the run's plain data", async () => {
    const response = await call("POST", `/api/workflows/${LISTED}/runs`, {
      raw: `{"input":${hostile}}`,
      contentType: "application/json",
    });
    const { run } = await expectJson<{ run: { id: string } }>(response, 202);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const stored = await getRun(run.id);
    const input = stored.input as Record<string, unknown>;
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
    expect(Object.hasOwn(input, "__proto__")).toBe(true);
    expect(JSON.parse(JSON.stringify(input))).toEqual(JSON.parse(hostile));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("as definition fields are refused as unknown fields, polluting nothing", async () => {
    const id = uniqueName("inj-proto-def");
    const body = `{"id":"${id}","__proto__":{"polluted":"yes"},"triggers":[{"type":"api"}],"steps":[{"id":"a","type":"transform","expr":"1","constructor":{"prototype":{"polluted":"yes"}}}]}`;
    const problem = await expectProblem(
      await call("PUT", `/api/workflows/${id}`, { raw: body, contentType: "application/json" }),
      422,
      "validation_failed",
    );
    expect(problem.issues?.map((issue) => issue.path).sort()).toEqual(["__proto__", "steps[0].constructor"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("in a definition's data (an http body) are stored as plain keys, polluting nothing", async () => {
    const id = uniqueName("inj-proto-data");
    const step = `{"id":"a","type":"http","request":{"method":"POST","url":"https://x.example/","body":${hostile}}}`;
    const body = `{"id":"${id}","triggers":[{"type":"api"}],"steps":[${step}]}`;
    expect((await call("PUT", `/api/workflows/${id}`, { raw: body, contentType: "application/json" })).status).toBe(
      201,
    );
    const saved = await expectJson<{ definition: { steps: { request: { body: Record<string, unknown> } }[] } }>(
      await call("GET", `/api/workflows/${id}`),
      200,
    );
    const stored = saved.definition.steps[0]!.request.body;
    expect(Object.hasOwn(stored, "__proto__")).toBe(true);
    expect(JSON.parse(JSON.stringify(stored))).toEqual(JSON.parse(hostile));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("in a YAML definition are refused the same way, polluting nothing", async () => {
    const id = uniqueName("inj-proto-yaml");
    const yaml = `id: ${id}\n__proto__:\n  polluted: yes\ntriggers:\n  - type: api\nsteps:\n  - id: a\n    type: transform\n    expr: "1"\n`;
    const problem = await expectProblem(
      await call("PUT", `/api/workflows/${id}`, { raw: yaml, contentType: "application/yaml" }),
      422,
      "validation_failed",
    );
    expect(problem.issues?.map((issue) => issue.path)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("templates in run inputs", () => {
  async function sendNote(note: string) {
    const { runId, dispatched } = await startRecordedRun(ECHO, { note });
    const sent: { request: Request; body: Record<string, string> }[] = [];
    answerFetch(async (request) => {
      sent.push({ request, body: (await request.json()) as Record<string, string> });
      return jsonResponse({ ok: true });
    });
    await deliver(dispatched);
    expect(sent).toHaveLength(1);
    return { runId, request: sent[0]!.request, body: sent[0]!.body };
  }

  it("a `{{ secrets.X }}` in the input is sent as literal text, not as the secret", async () => {
    const note = `{{ secrets.${SECRET} }}`;
    const { request, body } = await sendNote(note);
    expect(body).toEqual({ note, quoted: `note: ${note}` });
    expect(request.headers.get("x-note")).toBe(note);
    expect(request.headers.get("authorization")).toBe(`Bearer ${SECRET_VALUE}`);
  });

  it("a `{{ $eval(...) }}` in the input is sent as literal text, not evaluated", async () => {
    const note = `{{ $eval("1 + 1") }} {{ $string($millis()) }}`;
    const { body } = await sendNote(note);
    expect(body).toEqual({ note, quoted: `note: ${note}` });
  });

  // The engine turns the NUL of any placeholder arriving in data into U+FFFD, so only its own
  // rendering of {{ secrets.NAME }} can make one.
  it("a secret placeholder smuggled in the input is sent as text, not as the secret", async () => {
    const note = `\u0000secret:${SECRET}\u0000`;
    const { request, body } = await sendNote(note);
    expect(JSON.stringify(body)).not.toContain(SECRET_VALUE);
    expect(request.headers.get("x-note")).not.toContain(SECRET_VALUE);
  });
});

describe("CR/LF in a templated header", () => {
  it("cannot add a header: the request is refused as invalid_request and nothing is sent", async () => {
    const { runId, dispatched } = await startRecordedRun(ECHO, { note: "hello\r\nX-Injected: yes" });
    const fetchSpy = answerFetch(() => jsonResponse({ ok: true }));
    await deliver(dispatched);
    for (const [input] of fetchSpy.mock.calls) expect((input as Request).headers.get("x-injected")).toBeNull();
    const run = await readRun(runId);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(run.status).toBe("failed");
    expect(run.steps[0]!.attempts[0]!.error).toMatchObject({ code: "invalid_request", retryable: false });
    expect(JSON.stringify(run)).not.toContain(SECRET_VALUE);
  });

  it("a lone LF or CR is refused the same way", async () => {
    for (const note of ["a\nX-Injected: yes", "a\rX-Injected: yes"]) {
      const { runId, dispatched } = await startRecordedRun(ECHO, { note });
      const fetchSpy = answerFetch(() => jsonResponse({ ok: true }));
      await deliver(dispatched);
      expect(fetchSpy).not.toHaveBeenCalled();
      expect((await readRun(runId)).steps[0]!.attempts[0]!.error).toMatchObject({ code: "invalid_request" });
      vi.restoreAllMocks();
    }
  });
});
