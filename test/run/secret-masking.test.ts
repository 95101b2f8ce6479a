// A secret never surfaces: used in an http step's header and query, echoed back
// by the receiver in its body and a header, first with a 500 and then with a 200, its
// value is absent from the run (step input, attempts' errors, output), from the audit log
// and from anything the Worker logs; the secrets API returns names and dates only.
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { call, expectJson, saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { readRun, startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";
import { answerFetch, deliver, jsonResponse } from "../support/workers/tasks";

const SUFFIX = crypto.randomUUID().slice(0, 8);
const WORKFLOW = `masking-${SUFFIX}`;
const SECRET = `MASK_KEY_${SUFFIX}`;
// Characters a query string and JSON spell differently, so every echoed form must be masked.
const SECRET_VALUE = `sk_mask_${SUFFIX}+/=&x "q"`;

const flow = {
  id: WORKFLOW,
  triggers: [{ type: "api" }],
  steps: [
    {
      id: "charge",
      type: "http",
      retry: { attempts: 2, backoff: "fixed", delay: "1s", jitter: false },
      request: {
        method: "POST",
        url: "https://payments.example/charges",
        headers: { authorization: `Bearer {{ secrets.${SECRET} }}` },
        query: { key: `{{ secrets.${SECRET} }}` },
        body: { amount: "{{ input.amount }}" },
      },
    },
    { id: "after", type: "transform", needs: ["charge"], expr: "steps.charge.output.body" },
  ],
};

/** Answers like a careless server: the credentials it got, in its body and in a header. */
function echoingReceiver() {
  let calls = 0;
  const received: string[] = [];
  const spy = answerFetch((request) => {
    calls += 1;
    const authorization = request.headers.get("authorization") ?? "";
    received.push(authorization);
    const echo = { url: request.url, authorization, error: calls === 1 ? `bad key ${authorization}` : undefined };
    return jsonResponse(echo, calls === 1 ? 500 : 200, { "x-echo": authorization, "x-echo-url": request.url });
  });
  return { spy, received };
}

function spyOnConsole(): string[] {
  const lines: string[] = [];
  for (const method of ["log", "error", "warn", "info", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(
        args
          .map((arg) =>
            arg instanceof Error ? `${arg.message} ${arg.stack}` : typeof arg === "string" ? arg : JSON.stringify(arg),
          )
          .join(" "),
      );
    });
  }
  return lines;
}

/** Every spelling of the value a leak could take. */
const forms = [
  SECRET_VALUE,
  encodeURIComponent(SECRET_VALUE),
  new URLSearchParams({ s: SECRET_VALUE }).toString().slice(2),
  JSON.stringify(SECRET_VALUE).slice(1, -1),
];
const expectNoSecret = (text: string, where: string) => {
  for (const form of forms) expect(text.includes(form), `${where} holds the secret as ${form}`).toBe(false);
};

beforeAll(async () => {
  await saveWorkflow(WORKFLOW, flow);
  await expectJson(await call("PUT", `/api/secrets/${SECRET}`, { json: { value: SECRET_VALUE } }), 201);
});
afterEach(() => {
  restoreClock();
  vi.restoreAllMocks();
});

describe("a secret echoed back by the receiver", () => {
  let runId: string;
  let consoleLines: string[];

  it("reaches the receiver in the header and the query, and the run still succeeds on its retry", async () => {
    freezeClock();
    consoleLines = spyOnConsole();
    const started = await startRecordedRun(WORKFLOW, { amount: 5 });
    runId = started.runId;
    const { spy, received } = echoingReceiver();
    await deliver(started.dispatched);
    expect((await readRun(runId)).steps[0]!.status).toBe("retrying");
    advanceClock(1_000);
    await runDurableObjectAlarm(started.stub);
    expect(started.dispatched).toHaveLength(2);
    await deliver(started.dispatched.slice(1));

    expect(spy).toHaveBeenCalledTimes(2);
    expect(received).toEqual([`Bearer ${SECRET_VALUE}`, `Bearer ${SECRET_VALUE}`]);
    expect(new URL((spy.mock.calls[0]![0] as Request).url).searchParams.get("key")).toBe(SECRET_VALUE);
    const run = await readRun(runId);
    expect(run.status).toBe("succeeded");
    expect(run.steps[0]!.attempts.map((attempt) => attempt.status)).toEqual(["failed", "succeeded"]);
    await waitForOutboxFlush(runId);
    expectNoSecret(consoleLines.join("\n"), "console output");
  });

  it("is masked in GET /api/runs/{id}: step input, the failed attempt's error, the output and what later steps read", async () => {
    const response = await call("GET", `/api/runs/${runId}`);
    const text = await response.clone().text();
    expectNoSecret(text, "the run");
    const run = await expectJson<{
      steps: {
        input: unknown;
        output: { headers: Record<string, string>; body: Record<string, string> };
        attempts: { error?: { response?: { headers: Record<string, string> } } }[];
      }[];
    }>(response, 200);
    const [charge, after] = run.steps;
    expect(charge!.output.body.authorization).toBe("Bearer ***");
    expect(charge!.output.headers["x-echo"]).toBe("Bearer ***");
    expect(charge!.attempts[0]!.error!.response!.headers["x-echo"]).toBe("Bearer ***");
    expect(JSON.stringify(charge!.attempts[0]!.error)).toContain("***");
    expect(JSON.stringify(charge!.input)).not.toContain(SECRET_VALUE);
    expect(after!.output).toMatchObject({ authorization: "Bearer ***" });
  });

  it("is absent from the run's audit entries and from the audit export", async () => {
    const entries = await call("GET", `/api/audit?target=run:${runId}`);
    const text = await entries.text();
    expect(JSON.parse(text).entries.length).toBeGreaterThanOrEqual(2);
    expectNoSecret(text, "the run's audit entries");
    expectNoSecret(await (await call("GET", "/api/audit?format=ndjson&limit=1000")).text(), "the audit export");
  });
});

describe("the secrets API", () => {
  it("lists names and dates, never values", async () => {
    const response = await call("GET", "/api/secrets");
    const text = await response.clone().text();
    const { secrets } = await expectJson<{ secrets: Record<string, unknown>[] }>(response, 200);
    expect(secrets.find((secret) => secret.name === SECRET)).toEqual({
      name: SECRET,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expectNoSecret(text, "GET /api/secrets");
  });

  it("has no route that reads one value back", async () => {
    const response = await call("GET", `/api/secrets/${SECRET}`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expectNoSecret(await response.text(), `GET /api/secrets/${SECRET}`);
  });

  it("keeps the value out of the audit entry of the PUT that stored it", async () => {
    const text = await (await call("GET", `/api/audit?target=/api/secrets/${SECRET}`)).text();
    expect(JSON.parse(text).entries).toEqual([
      expect.objectContaining({ action: "PUT /api/secrets/:name", result: "201" }),
    ]);
    expectNoSecret(text, "the PUT's audit entry");
  });
});
