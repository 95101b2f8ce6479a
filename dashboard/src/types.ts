// The API's shapes as the dashboard reads them. Runs come straight from the server's own
// projection (src/core/engine/run-view.ts), so a change there is a type error here.
import type {
  AttemptView,
  MapItemView,
  RunView,
  StepView,
  TriageView,
  UsageView,
} from "../../src/core/engine/run-view";
import type { Role } from "../../src/core/roles";

export type { AttemptView, MapItemView, Role, RunView, StepView, TriageView, UsageView };

export const RUN_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled", "timed_out"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
const FINISHED_RUN_STATUSES: readonly string[] = ["succeeded", "failed", "cancelled", "timed_out"];

/** A row of `GET /api/runs`. */
export interface RunSummary {
  id: string;
  workflow: string;
  version: number;
  status: RunStatus;
  trigger: { type: string };
  error: { code: string } | null;
  rerunOf: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface RunPage {
  runs: RunSummary[];
  nextCursor: string | null;
}

export interface Me {
  name: string;
  role: Role;
}

export interface WorkflowSummary {
  id: string;
  name: string;
  description?: string | null;
  version: number;
  enabled: boolean;
  archived: boolean;
  /** Set when the workflow has a webhook trigger. */
  webhookUrl?: string | null;
  triggers?: TriggerDefinition[];
  createdAt?: string;
  updatedAt?: string;
}

/** A trigger as written in the definition; `type` decides the other fields. */
export interface TriggerDefinition {
  type: string;
  schedule?: string;
  timezone?: string;
  name?: string;
  [field: string]: unknown;
}

/** A cron schedule with its next fire times (none while the workflow is disabled or archived). */
export interface ScheduleView {
  schedule: string;
  timezone: string;
  next: string[];
}

/** `GET /api/workflows/{id}`: the summary, the current definition and its schedules. */
export interface WorkflowDetail extends WorkflowSummary {
  definition: Record<string, unknown>;
  schedules: ScheduleView[];
}

/** A row of `GET /api/workflows/{id}/versions`, newest first. */
export interface VersionSummary {
  version: number;
  hash: string;
  createdAt: string;
  createdBy: string | null;
}

/** A validation problem at a path like `steps[2].retry.delay` ("" for the whole document). */
export interface Issue {
  path: string;
  message: string;
}

export type DefinitionFormat = "yaml" | "json";

/** What the dashboard reads of a definition: enough for the graph and approval rights. */
export interface StepDefinition {
  id: string;
  type: string;
  needs?: string[];
  description?: string;
  approvers?: string[];
}

export interface DefinitionView {
  id: string;
  name?: string;
  steps: StepDefinition[];
  onFailure?: StepDefinition[];
}

export interface WorkflowVersion {
  version: number;
  createdAt: string;
  definition: DefinitionView;
}

/** A `map` step's items by status, when the server reports them (`items` on the step). */
interface MapProgress {
  total: number;
  succeeded: number;
  failed: number;
  running: number;
  pending: number;
  skipped?: number;
  cancelled?: number;
}

export type StepWithProgress = Omit<StepView, "items"> & { items?: MapProgress };

/** Messages on `/api/runs/{id}/live` (src/run/live.ts). */
export type LiveMessage =
  | { type: "snapshot"; run: RunView }
  | { type: "update"; run: Omit<RunView, "steps">; steps: StepView[] };

export function isFinished(status: string): boolean {
  return FINISHED_RUN_STATUSES.includes(status);
}

/** An item of `GET /api/approvals` (src/api/approvals.ts). */
export interface Approval {
  runId: string;
  stepId: string;
  workflow: string;
  approvers: string[];
  requestedAt: string;
  expiresAt: string | null;
}

/** Runs by status, success rate, duration percentiles and retries (src/api/metrics.ts). */
export interface RunStats {
  runs: number;
  byStatus: Record<RunStatus, number>;
  successRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  retries: number;
}

export interface MetricsPoint {
  /** Bucket start, UTC. */
  at: string;
  byStatus: Record<RunStatus, number>;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** `GET /api/metrics`: runs created in [from, to]. */
export interface Metrics {
  window: string;
  from: string;
  to: string;
  bucket: string;
  totals: RunStats;
  workflows: (RunStats & { workflow: string })[];
  series: MetricsPoint[];
  durationSample: { runs: number; capped: boolean };
}

/** An entry of `GET /api/audit` (src/api/audit.ts). */
export interface AuditEntry {
  seq: number;
  at: string;
  actor: { type: string; id: string | null; name: string | null; role: string | null };
  action: string;
  target: string;
  runId: string | null;
  requestId: string | null;
  clientIp: string | null;
  result: string | null;
  detail: unknown;
  hash: string | null;
  prevHash: string | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

/** `GET /api/audit/verify`: the hash chain re-walked; `unchained` entries are not hashed yet. */
export interface AuditChain {
  valid: boolean;
  checked: number;
  unchained: number;
  firstBreak?: { seq: number; reason: string };
}
