// The dashboard's only way to the server: `/api` with the signed-in token. Problems
// (RFC 9457) become ApiError with the server's code and detail; a 401 signs out.
import type {
  Approval,
  AuditChain,
  AuditPage,
  MapItemView,
  Me,
  Metrics,
  RunPage,
  RunView,
  WorkflowSummary,
  WorkflowVersion,
} from "./types";
import type { DefinitionFormat, Issue, VersionSummary, WorkflowDetail } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Validation problems (`issues` of a 400 or 422), each at a definition or input path. */
    readonly issues: readonly Issue[] = [],
  ) {
    super(message);
  }
}

export interface RunFilter {
  workflow?: string;
  status?: string;
  since?: string;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  since?: string;
}

export type ApiOptions = { onUnauthorized?: (error: ApiError) => void };

export class Api {
  constructor(
    private readonly token: string,
    private readonly options: ApiOptions = {},
  ) {}

  me(): Promise<Me> {
    return this.request("GET", "/api/me");
  }

  listRuns(filter: RunFilter & { limit?: number; cursor?: string }): Promise<RunPage> {
    return this.request("GET", `/api/runs${query(filter)}`);
  }

  getRun(id: string): Promise<RunView> {
    return this.request("GET", `/api/runs/${encodeURIComponent(id)}`);
  }

  async listWorkflows(options: { archived?: boolean } = {}): Promise<WorkflowSummary[]> {
    return (
      await this.request<{ workflows: WorkflowSummary[] }>(
        "GET",
        `/api/workflows${options.archived ? "?archived=true" : ""}`,
      )
    ).workflows;
  }

  getWorkflow(id: string): Promise<WorkflowDetail> {
    return this.request("GET", `/api/workflows/${encodeURIComponent(id)}`);
  }

  async workflowVersions(id: string): Promise<VersionSummary[]> {
    return (
      await this.request<{ versions: VersionSummary[] }>("GET", `/api/workflows/${encodeURIComponent(id)}/versions`)
    ).versions;
  }

  setWorkflowEnabled(id: string, enabled: boolean): Promise<WorkflowDetail> {
    return this.request("PATCH", `/api/workflows/${encodeURIComponent(id)}`, { enabled });
  }

  /** Saves definition text as written (JSON or YAML); `created` is false when nothing changed. */
  async saveWorkflow(
    id: string,
    text: string,
    format: DefinitionFormat,
  ): Promise<{ workflow: WorkflowDetail; created: boolean }> {
    const response = await this.send("PUT", `/api/workflows/${encodeURIComponent(id)}`, definitionBody(text, format));
    const body = await response.text();
    if (!response.ok) throw this.failure(response, body);
    return { workflow: parseJson(body) as WorkflowDetail, created: response.status === 201 };
  }

  validateDefinition(text: string, format: DefinitionFormat): Promise<{ valid: boolean; issues: Issue[] }> {
    return this.request("POST", "/api/workflows/validate", definitionBody(text, format));
  }

  async startWorkflowRun(id: string, input: unknown): Promise<RunView> {
    return (await this.request<{ run: RunView }>("POST", `/api/workflows/${encodeURIComponent(id)}/runs`, { input }))
      .run;
  }

  workflowVersion(id: string, version: number): Promise<WorkflowVersion> {
    return this.request("GET", `/api/workflows/${encodeURIComponent(id)}/versions/${version}`);
  }

  /** A page of a map step's items (step ids are encoded: a path segment may not hold everything an id may). */
  mapItems(
    runId: string,
    stepId: string,
    query: { status?: string; cursor?: string; limit?: number },
  ): Promise<{ items: MapItemView[]; nextCursor: string | null }> {
    const search = new URLSearchParams(
      Object.entries(query)
        .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
        .map(([key, value]) => [key, String(value)]),
    );
    return this.request(
      "GET",
      `/api/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}/items?${search}`,
    );
  }

  async cancel(id: string): Promise<RunView> {
    return (await this.request<{ run: RunView }>("POST", `/api/runs/${encodeURIComponent(id)}/cancel`)).run;
  }

  async retry(id: string): Promise<RunView> {
    return (await this.request<{ run: RunView }>("POST", `/api/runs/${encodeURIComponent(id)}/retry`)).run;
  }

  async rerun(id: string, options: { fromStep?: string } = {}): Promise<RunView> {
    return (await this.request<{ run: RunView }>("POST", `/api/runs/${encodeURIComponent(id)}/rerun`, options)).run;
  }

  decide(runId: string, stepId: string, decision: "approve" | "reject", comment: string): Promise<unknown> {
    const body = comment.trim() === "" ? {} : { comment: comment.trim() };
    return this.request(
      "POST",
      `/api/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}/${decision}`,
      body,
    );
  }

  async listApprovals(): Promise<Approval[]> {
    return (await this.request<{ approvals: Approval[] }>("GET", "/api/approvals?status=pending&limit=200")).approvals;
  }

  metrics(options: { window: string; workflow?: string }): Promise<Metrics> {
    return this.request("GET", `/api/metrics${query(options)}`);
  }

  listAudit(filter: AuditFilter & { cursor?: string; limit?: number }): Promise<AuditPage> {
    return this.request("GET", `/api/audit${query(filter)}`);
  }

  verifyAudit(): Promise<AuditChain> {
    return this.request("GET", "/api/audit/verify");
  }

  /** Every matching entry as NDJSON, fetched with the token (a plain link could not carry it). */
  async exportAudit(filter: AuditFilter): Promise<Blob> {
    const response = await this.send(
      "GET",
      `/api/audit${query({ ...filter, format: "ndjson" })}`,
      undefined,
      "application/x-ndjson",
    );
    if (response.ok) return response.blob();
    throw this.failure(response, await response.text());
  }

  /** Browsers cannot set Authorization on a WebSocket: the token rides as a subprotocol. */
  openLive(runId: string): WebSocket {
    const url = new URL(`/api/runs/${encodeURIComponent(runId)}/live`, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return new WebSocket(url, ["waymark.v1", `waymark.token.${this.token}`]);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    const text = await response.text();
    if (response.ok) return parseJson(text) as T;
    throw this.failure(response, text);
  }

  private async send(method: string, path: string, body: unknown, accept = "application/json"): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept };
    if (body !== undefined) headers["content-type"] = body instanceof TextBody ? body.contentType : "application/json";
    try {
      return await fetch(path, {
        method,
        headers,
        body: body === undefined ? null : body instanceof TextBody ? body.text : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "network", "The server could not be reached. Check your connection and try again.");
    }
  }

  /** A refused call as ApiError (its problem's code and detail); a 401 signs out. */
  private failure(response: Response, text: string): ApiError {
    const problem = (parseJson(text) ?? {}) as { code?: string; detail?: string; title?: string; issues?: Issue[] };
    const error = new ApiError(
      response.status,
      problem.code ?? `http_${response.status}`,
      problem.detail ?? problem.title ?? `The server answered ${response.status}.`,
      Array.isArray(problem.issues) ? problem.issues : [],
    );
    if (response.status === 401) this.options.onUnauthorized?.(error);
    return error;
  }
}

/** A body sent as written (a definition in YAML or JSON), not re-serialised. */
class TextBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}

const definitionBody = (text: string, format: DefinitionFormat) =>
  new TextBody(text, format === "yaml" ? "application/yaml" : "application/json");

function query(params: object): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params) as [string, string | number | undefined][])
    if (value !== undefined && value !== "") search.set(name, String(value));
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

function parseJson(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
