// A small client for Waymark's HTTP API, as the end-to-end tests use it: every call
// checks its status, and waits poll the API (never a fixed sleep).
import type { RunView } from "../../src/core/engine/run-view";

export type { RunView };
export type StepView = RunView["steps"][number];

export const FINISHED = ["succeeded", "failed", "cancelled", "timed_out"] as const;
const POLL_MS = 150;

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RunSummary {
  id: string;
  workflow: string;
  status: string;
  rerunOf: string | null;
  error: { code: string } | null;
}

export class WaymarkClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${this.token}`, ...headers } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] = "application/json";
    }
    const response = await fetch(`${this.baseUrl}${path}`, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  async putWorkflow(definition: { id: string }): Promise<void> {
    await this.expect("PUT", `/api/workflows/${definition.id}`, [200, 201], definition);
  }

  async startRun(workflowId: string, input: unknown = {}): Promise<RunView> {
    return (await this.expect<{ run: RunView }>("POST", `/api/workflows/${workflowId}/runs`, [202], { input })).run;
  }

  async getRun(id: string): Promise<RunView> {
    return this.expect<RunView>("GET", `/api/runs/${id}`, [200]);
  }

  async cancel(id: string): Promise<RunView> {
    return (await this.expect<{ run: RunView }>("POST", `/api/runs/${id}/cancel`, [200])).run;
  }

  async retry(id: string): Promise<RunView> {
    return (await this.expect<{ run: RunView }>("POST", `/api/runs/${id}/retry`, [200])).run;
  }

  async rerun(id: string, options: { input?: unknown; fromStep?: string } = {}): Promise<RunView> {
    return (await this.expect<{ run: RunView }>("POST", `/api/runs/${id}/rerun`, [202], options)).run;
  }

  async listRuns(
    query: Record<string, string | number> = {},
  ): Promise<{ runs: RunSummary[]; nextCursor: string | null }> {
    const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    return this.expect("GET", `/api/runs?${search}`, [200]);
  }

  /** Polls the run until `predicate` holds; on timeout the error shows the run as last seen. */
  async waitForRun(
    id: string,
    predicate: (run: RunView) => boolean,
    { timeoutMs = 30_000, what = "the condition" } = {},
  ): Promise<RunView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.getRun(id);
      if (predicate(run)) return run;
      if (Date.now() > deadline)
        throw new Error(
          `run ${id}: timed out after ${timeoutMs} ms waiting for ${what}; last seen:\n${describeRun(run)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Waits for any final status; the test then asserts which one. */
  waitForFinish(id: string, timeoutMs = 30_000): Promise<RunView> {
    return this.waitForRun(id, isFinished, { timeoutMs, what: "a final status" });
  }

  private async expect<T>(method: string, path: string, statuses: number[], body?: unknown): Promise<T> {
    const response = await this.request<T>(method, path, body);
    if (!statuses.includes(response.status)) {
      throw new Error(
        `${method} ${path} answered ${response.status}, expected ${statuses.join(" or ")}: ${JSON.stringify(response.body)}`,
      );
    }
    return response.body;
  }
}

export function isFinished(run: Pick<RunView, "status">): boolean {
  return (FINISHED as readonly string[]).includes(run.status);
}

export function stepOf(run: RunView, stepId: string): StepView {
  const step = run.steps.find((s) => s.id === stepId);
  if (!step) throw new Error(`run ${run.id} has no step ${stepId}; it has ${run.steps.map((s) => s.id).join(", ")}`);
  return step;
}

/** One line per step: status, attempts and error code, for failure messages. */
export function describeRun(run: RunView): string {
  const steps = run.steps.map(
    (s) =>
      `  ${s.id}: ${s.status} (${s.attempts.map((a) => `${a.n}:${a.status}${a.error ? `/${a.error.code}` : ""}`).join(", ")})`,
  );
  return [`${run.id} ${run.status}${run.error ? ` error=${JSON.stringify(run.error)}` : ""}`, ...steps].join("\n");
}
