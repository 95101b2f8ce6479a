// Infrastructure hiccups at the edge: an overloaded Durable Object or a D1 blip is
// a 503 with Retry-After, never a lost trigger; anything unexpected is a 500 that reveals
// nothing. The app is called directly (createApp().fetch) with bindings that fail on purpose,
// since `exports.default.fetch` always uses the real ones.
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/api/app";
import { orderIntake } from "../fixtures/workflows-api/order-intake";
import { ADMIN_TOKEN, call, expectJson, expectProblem, saveWorkflow } from "../support/workers/api";

const app = createApp();

/** The real bindings, except that every run's object answers with `stub`. */
function envWithRuns(stub: object): Env {
  return {
    ...env,
    RUNS: { idFromName: (name: string) => env.RUNS.idFromName(name), get: () => stub },
  } as unknown as Env;
}

const overloadedRuns = () =>
  envWithRuns({
    start: () =>
      Promise.reject(
        Object.assign(new Error("Durable Object is overloaded. Requests queued for too long."), { overloaded: true }),
      ),
  });

function send(
  bindings: Env,
  path: string,
  init: { method?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers({ authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers });
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const body = init.json === undefined ? undefined : JSON.stringify(init.json);
  return Promise.resolve(
    app.fetch(
      new Request(`http://waymark.test${path}`, { method: init.method ?? "GET", headers, body }),
      bindings,
      createExecutionContext(),
    ),
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("an overloaded Durable Object", () => {
  it("makes a start answer 503 unavailable with Retry-After", async () => {
    await saveWorkflow("infra-overloaded", orderIntake);
    const response = await send(overloadedRuns(), "/api/workflows/infra-overloaded/runs", {
      method: "POST",
      json: { input: { orderId: "1" } },
    });
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectProblem(response, 503, "unavailable");
  });

  it("loses no trigger: the same Idempotency-Key starts the run once the object is back", async () => {
    await saveWorkflow("infra-retry", orderIntake);
    const request = { method: "POST", json: { input: { orderId: "1" } }, headers: { "idempotency-key": "order-1" } };
    await expectProblem(await send(overloadedRuns(), "/api/workflows/infra-retry/runs", request), 503, "unavailable");
    const retried = await call("POST", "/api/workflows/infra-retry/runs", {
      json: request.json,
      headers: request.headers,
    });
    expect((await expectJson<{ run: { status: string } }>(retried, 202)).run.status).toBe("succeeded");
  });

  // The index row is written once the run exists, so a failed start lists nothing.
  it("leaves no phantom run in the index", async () => {
    await saveWorkflow("infra-phantom", orderIntake);
    await expectProblem(
      await send(overloadedRuns(), "/api/workflows/infra-phantom/runs", {
        method: "POST",
        json: { input: { orderId: "1" } },
      }),
      503,
      "unavailable",
    );
    const { runs } = await expectJson<{ runs: Array<{ id: string }> }>(
      await call("GET", "/api/runs?workflow=infra-phantom"),
      200,
    );
    for (const run of runs) await expectJson(await call("GET", `/api/runs/${run.id}`), 200);
    expect(runs).toEqual([]);
  });
});

describe("a D1 blip", () => {
  // drizzle-orm wraps failed D1 queries in DrizzleQueryError with the D1 error as `cause`.
  it("makes a read answer 503 unavailable with Retry-After", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const lost = () => Promise.reject(new Error("D1_ERROR: Network connection lost."));
    const failingDb = {
      prepare: () => ({
        bind: () => ({ all: lost, raw: lost, first: lost, run: lost }),
        all: lost,
        raw: lost,
        first: lost,
        run: lost,
      }),
      batch: lost,
    };
    const response = await send({ ...env, DB: failingDb } as unknown as Env, "/api/runs");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectProblem(response, 503, "unavailable");
  });
});

describe("an unexpected error", () => {
  it("is a 500 internal problem that shows neither its message nor a stack trace", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const broken = envWithRuns({
      getRun: () => Promise.reject(new TypeError("secretThing is not a function (src/run/private.ts:12)")),
    });
    const response = await send(broken, "/api/runs/run_01JD3X5Q8R9W4Y7Z2B6C0N1M5K");
    const text = await response.clone().text();
    await expectProblem(response, 500, "internal");
    expect(text).not.toContain("secretThing");
    expect(logged).toHaveBeenCalled();
  });
});
