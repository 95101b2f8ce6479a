// The http step executor: one attempt of one request, turned into an output or an error
// record that says whether another attempt could help. Secrets are plaintext only in here.
import { NonRetryableError, RetryableError, toErrorRecord } from "../core/errors";
import type { ErrorRecord } from "../core/errors";
import { maskSecrets, secretNamesIn, substituteSecrets } from "../security/secret-placeholders";
import { readStatusError } from "../http/status-error";
import { buildRequest } from "./http-request";
import { headersToObject, parseBody, readCappedBody } from "../http/response-body";
import { httpRequestSpecSchema } from "./task-message";
import type { HttpRequestSpec, TaskMessage } from "./task-message";

const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

export interface HttpDeps {
  fetch: typeof fetch;
  /** The plaintext of a secret; throws (e.g. `secret_missing`) when it cannot. */
  resolveSecret(name: string): Promise<string>;
  /** Epoch ms, to turn a Retry-After date into a delay. */
  now(): number;
  /** Cap on a successful response's body; default 10 MiB. */
  maxResponseBytes?: number;
}

interface HttpOutput {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type HttpOutcome = { ok: true; output: HttpOutput; httpStatus: number } | { ok: false; error: ErrorRecord };

export type HttpTask = Pick<TaskMessage, "request" | "timeoutMs" | "idempotencyKey" | "expect">;

/** Performs the request of `task`; never throws: every failure is an `{ok: false}` outcome. */
export async function executeHttp(task: HttpTask, deps: HttpDeps): Promise<HttpOutcome> {
  let secretValues: string[] = [];
  try {
    const spec = parseRequestSpec(task.request);
    const secrets = await resolveSecrets(secretNamesIn(spec), deps);
    secretValues = Object.values(secrets);
    const signal = AbortSignal.timeout(task.timeoutMs);
    const request = buildRequest(substituteSecrets(spec, secrets), task.idempotencyKey, signal);
    return maskSecrets(await send(request, signal, task, deps), secretValues);
  } catch (error) {
    const outcome: HttpOutcome = { ok: false, error: toErrorRecord(error) };
    return maskSecrets(outcome, secretValues);
  }
}

function parseRequestSpec(request: unknown): HttpRequestSpec {
  const parsed = httpRequestSpecSchema.safeParse(request);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "request"}: ${issue.message}`);
  throw new NonRetryableError("invalid_request", `invalid http request: ${problems.join("; ")}`);
}

async function resolveSecrets(names: string[], deps: HttpDeps): Promise<Record<string, string>> {
  const values = await Promise.all(names.map((name) => deps.resolveSecret(name)));
  return Object.fromEntries(names.map((name, index) => [name, values[index]!]));
}

/** Fetches and reads the answer; the timeout covers the body too. */
async function send(request: Request, signal: AbortSignal, task: HttpTask, deps: HttpDeps): Promise<HttpOutcome> {
  try {
    const { fetch: fetchResponse } = deps; // workerd's fetch refuses to run as a method of another object
    const response = await fetchResponse(request);
    if (isExpectedStatus(response.status, task.expect)) return await readOutput(response, deps);
    return { ok: false, error: await readStatusError(response, deps.now()) };
  } catch (error) {
    if (error instanceof NonRetryableError || error instanceof RetryableError) throw error;
    if (signal.aborted) throw new RetryableError("timed_out", `no complete response within ${task.timeoutMs} ms`);
    throw new RetryableError("network_error", describeNetworkError(error));
  }
}

function isExpectedStatus(status: number, expect: number[] | undefined): boolean {
  return expect && expect.length > 0 ? expect.includes(status) : status >= 200 && status <= 299;
}

async function readOutput(response: Response, deps: HttpDeps): Promise<HttpOutcome> {
  const maxBytes = deps.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const { bytes, truncated } = await readCappedBody(response, maxBytes);
  if (truncated) {
    throw new NonRetryableError("output_too_large", `the response body is larger than ${maxBytes} bytes`, {
      httpStatus: response.status,
    });
  }
  const body = parseBody(bytes, response.headers.get("content-type"));
  const output = { status: response.status, headers: headersToObject(response.headers), body };
  return { ok: true, output, httpStatus: response.status };
}

/** Node says "fetch failed" and hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, …). */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause ? `${error.message}: ${cause}` : error.message;
}
