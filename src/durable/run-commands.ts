// What the edge and the queue consumer send to a run's Durable Object, validated
// at the RPC boundary, and what the object answers.
import { z } from "zod";
import type { ReceivedEvent } from "../core/engine/events";
import type { TaskEffect } from "../core/engine/effects";
import type { RunStatus } from "../core/engine/run-state";
import type { ErrorRecord } from "../core/errors";
import type { MapItemView, RunView } from "../core/engine/run-view";

const errorRecordSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  retryAfterMs: z.number().optional(),
  httpStatus: z.number().optional(),
  expression: z.string().optional(),
  response: z.object({ status: z.number(), headers: z.record(z.string(), z.string()), body: z.unknown() }).optional(),
});

/** Model usage of an llm attempt or a triage (reported with success and failure alike). */
const usageSchema = z.object({
  inputTokens: z.number().min(0),
  outputTokens: z.number().min(0),
  costUsd: z.number().min(0).optional(),
});

export const taskReportSchema = z.object({
  stepId: z.string(),
  attempt: z.int().min(1),
  outcome: z.discriminatedUnion("ok", [
    z.object({
      ok: z.literal(true),
      output: z.unknown(),
      httpStatus: z.number().optional(),
      usage: usageSchema.optional(),
    }),
    z.object({ ok: z.literal(false), error: errorRecordSchema, usage: usageSchema.optional() }),
  ]),
});
export type TaskReport = z.infer<typeof taskReportSchema>;

/**
 * Sent with a report by a consumer that can carry out one more task in the same invocation:
 * the run may claim its next task for `claimant` instead of sending it through the queue.
 */
export interface ReportHandoff {
  claimant: string;
}

/** The run's answer to a report: the task it claimed for the reporter (its queue form), if any. */
export interface ReportAnswer {
  next: TaskEffect | null;
}

export interface StartCommand {
  runId: string;
  workflow: string;
  version: number;
  /** The pinned definition; the run keeps its own copy so its hot path never reads D1. */
  definition: unknown;
  input: unknown;
  trigger: { type: string; [key: string]: unknown };
  createdAt: number;
  rerunOf?: string;
  /** Steps copied from an earlier run (rerun from a step). */
  carriedSteps?: Record<string, unknown>;
  /** The flow-control gates the run passes (names); each is told when the run finishes. */
  gates?: string[];
  /**
   * Rows of the audit log (db/audit.ts, NewAuditEntry) the run writes through its outbox
   * with its creation: the API call that started it is on record exactly when the run exists,
   * and its answer waits for no D1 write.
   */
  auditEntries?: Record<string, unknown>[];
}

export type CommandResult =
  | { ok: true; run: RunView }
  | { ok: false; code: "not_found" | "invalid_state" | "forbidden"; message: string };

/** The answer of an object that holds no run (never created, or purged); callers tell it from a missing step by its message. */
export const RUN_NOT_FOUND = { ok: false, code: "not_found", message: "run not found" } as const;

/** A decision on an approval step: from a token (name, role) or a signed link (for one attempt). */
export interface ApprovalDecisionCommand {
  stepId: string;
  decision: "approve" | "reject";
  decider: { name: string; role?: string; link?: boolean };
  comment?: string;
  attempt?: number;
}

export type ApprovalRequestResult =
  | { ok: true; attempt: number; expiresAt: number | null }
  | { ok: false; code: "not_found" | "invalid_state" | "forbidden"; message: string };

export type RerunPlan =
  | {
      ok: true;
      definition: unknown;
      input: unknown;
      workflow: string;
      version: number;
      carriedSteps: Record<string, unknown>;
    }
  | { ok: false; code: "not_found" | "unknown_step" };

/** An event for a waiting `wait` step (its attempt), and whether it ended the wait. */
export interface EventDelivery {
  stepId: string;
  attempt: number;
  event: ReceivedEvent;
}
export interface EventDeliveryAnswer {
  resumed: boolean;
  waiting: boolean;
}

/** A child run of a `workflow` step finished: what its parent is told. */
export interface ChildReport {
  stepId: string;
  childRunId: string;
  status: RunStatus;
  output?: unknown;
  error?: ErrorRecord | null;
}

/** A page request for a map step's items. */
export interface ItemQuery {
  /** The last index of the previous page; -1 for the first. */
  after: number;
  limit: number;
  /** "running" covers retrying and waiting. */
  status?: string;
}

export type MapItemPage =
  | { ok: true; items: MapItemView[]; nextCursor: string | null }
  | { ok: false; code: "not_found" | "invalid_state"; message: string };
