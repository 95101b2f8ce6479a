// Calls the real Worker the way a client does: `exports.default.fetch` runs the whole
// Hono app (auth, body checks, routes, the error funnel). Also the one check every error
// answer must pass: RFC 9457 problem+json with a stable code and no stack trace.
import { exports } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { createApp } from "../../../src/api/app";
import { expect } from "vitest";
import type { Problem } from "../../../src/core/problem";
import type { RunView } from "../../../src/core/engine/run-view";

export const ADMIN_TOKEN = "wm_test_admin";
const ORIGIN = "http://waymark.test";

export interface CallOptions {
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent as written; set `contentType` yourself. */
  raw?: BodyInit;
  contentType?: string;
  /** Bearer token; the admin token by default, `null` for none. */
  token?: string | null;
  headers?: Record<string, string>;
}

/**
 * Calls the app with other bindings than the test's own (a failing D1, an overloaded
 * object): `exports.default.fetch` always uses the real ones. Waits for its background work.
 */
export async function callWithBindings(bindings: Env, method: string, path: string, json?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
  if (json !== undefined) headers["content-type"] = "application/json";
  const body = json === undefined ? undefined : JSON.stringify(json);
  const ctx = createExecutionContext();
  const response = await appForBindings.fetch(
    new Request(`${ORIGIN}${path}`, { method, headers, body }),
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

const appForBindings = createApp();

export function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.token !== null) headers.set("authorization", `Bearer ${options.token ?? ADMIN_TOKEN}`);
  let body: BodyInit | undefined = options.raw;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers.set("content-type", "application/json");
  }
  if (options.contentType !== undefined) headers.set("content-type", options.contentType);
  return exports.default.fetch(`${ORIGIN}${path}`, { method, headers, body });
}

/** Asserts the status and a JSON body, and returns the body. */
export async function expectJson<T = Record<string, unknown>>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return JSON.parse(text) as T;
}

/** Asserts an RFC 9457 problem with `status` and `code`, free of stack traces, and returns it. */
export async function expectProblem(response: Response, status: number, code: string): Promise<Problem> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = JSON.parse(text) as Problem;
  expect(problem).toMatchObject({
    type: expect.stringMatching(/^https:\/\//),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    code,
  });
  expect(problem.title).not.toBe("");
  expect(problem.detail).not.toBe("");
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|\.ts:\d+|node_modules/);
  return problem;
}

export interface WorkflowView {
  id: string;
  name: string;
  version: number;
  enabled: boolean;
  archived: boolean;
  webhookUrl: string | null;
  definition?: Record<string, unknown>;
}

/** Saves a definition under `id` (the URL fills in a missing id) and returns the workflow. */
export async function saveWorkflow(id: string, definition: object): Promise<WorkflowView> {
  const response = await call("PUT", `/api/workflows/${id}`, { json: definition });
  expect([200, 201], await response.clone().text()).toContain(response.status);
  return expectJson<WorkflowView>(response, response.status);
}

/** Starts a run through the API and returns it (202 expected). */
export async function startRunThroughApi(workflowId: string, body?: object): Promise<RunView> {
  const response = await call("POST", `/api/workflows/${workflowId}/runs`, body === undefined ? {} : { json: body });
  return (await expectJson<{ run: RunView }>(response, 202)).run;
}

export async function getRun(runId: string): Promise<RunView> {
  return expectJson<RunView>(await call("GET", `/api/runs/${runId}`), 200);
}
