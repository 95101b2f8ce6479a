// D1 tables (drizzle). Migrations in migrations/ are generated from this file with
// `npm run db:generate`; D1 holds what outlives a run: definitions, the run index,
// idempotency keys and the audit log. The per-step hot path never waits on it.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const workflows = sqliteTable("workflows", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description"),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  latestVersion: integer("latest_version").notNull(),
  /** The latest definition's `retention` in ms: finished runs older than this are pruned. */
  retentionMs: integer("retention_ms"),
  archivedAt: integer("archived_at"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const workflowVersions = sqliteTable(
  "workflow_versions",
  {
    workflowId: text("workflow_id").notNull(),
    version: integer("version").notNull(),
    /** The validated definition as JSON. */
    definition: text("definition").notNull(),
    /** SHA-256 of the canonical definition: an unchanged save does not bump the version. */
    hash: text("hash").notNull(),
    createdAt: integer("created_at").notNull(),
    createdBy: text("created_by"),
  },
  (table) => [primaryKey({ columns: [table.workflowId, table.version] })],
);

/** One row per run, updated at state changes from the run's outbox. */
export const runs = sqliteTable(
  "runs",
  {
    id: text("id").primaryKey(),
    workflowId: text("workflow_id").notNull(),
    version: integer("version").notNull(),
    status: text("status").notNull(),
    triggerType: text("trigger_type").notNull(),
    errorCode: text("error_code"),
    rerunOf: text("rerun_of"),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
    updatedAt: integer("updated_at").notNull(),
    /** Attempts beyond the first of each step and round (redrives excluded), summed: for /api/metrics. */
    retries: integer("retries").notNull().default(0),
    /** Model tokens of every llm attempt and triage of the run, and their cost when priced: for /api/metrics. */
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    costUsd: real("cost_usd"),
  },
  (table) => [
    index("runs_workflow_id").on(table.workflowId, table.id),
    index("runs_status_id").on(table.status, table.id),
    // /api/metrics reads a time window, across workflows or for one.
    index("runs_created_at").on(table.createdAt),
    index("runs_workflow_created_at").on(table.workflowId, table.createdAt),
  ],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    /** Unique per logical event so an at-least-once outbox flush writes it once. */
    eventId: text("event_id").notNull(),
    at: integer("at").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id"),
    actorName: text("actor_name"),
    actorRole: text("actor_role"),
    action: text("action").notNull(),
    target: text("target").notNull(),
    runId: text("run_id"),
    requestId: text("request_id"),
    clientIp: text("client_ip"),
    result: text("result"),
    detail: text("detail"),
    /** Hash of the entry before (by seq); null until the chainer reaches this entry. */
    prevHash: text("prev_hash"),
    /** SHA-256 over prevHash and this entry's canonical content. */
    hash: text("hash"),
  },
  (table) => [
    uniqueIndex("audit_event_id").on(table.eventId),
    index("audit_target").on(table.target, table.seq),
    index("audit_action").on(table.action, table.seq),
    index("audit_actor").on(table.actorId, table.seq),
    index("audit_unchained").on(table.hash, table.seq),
  ],
);

/** Secrets, AES-GCM encrypted with WAYMARK_MASTER_KEY; the name is the additional data. */
export const secrets = sqliteTable("secrets", {
  name: text("name").primaryKey(),
  ciphertext: text("ciphertext").notNull(),
  iv: text("iv").notNull(),
  keyId: text("key_id").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Cron schedules, one row per (workflow, cron trigger), kept in step with the workflow by
 * syncSchedules. The minute tick reads the due rows through `schedules_due`.
 */
export const schedules = sqliteTable(
  "schedules",
  {
    workflowId: text("workflow_id").notNull(),
    /** Position among the workflow's cron triggers (webhook and other triggers do not count). */
    triggerIndex: integer("trigger_index").notNull(),
    schedule: text("schedule").notNull(),
    /** IANA time zone; `UTC` when the trigger names none. */
    timezone: text("timezone").notNull(),
    /** The trigger's literal run input, as JSON. */
    input: text("input").notNull(),
    /** The scheduled time not yet fired (epoch ms); null when disabled or the schedule never fires again. */
    nextFireAt: integer("next_fire_at"),
    /** The scheduled time of the last run this schedule started. */
    lastFiredAt: integer("last_fired_at"),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.workflowId, table.triggerIndex] }),
    index("schedules_due").on(table.enabled, table.nextFireAt),
  ],
);

/** Which enabled workflows start on which event name, kept in step with their definitions. */
export const eventSubscriptions = sqliteTable(
  "event_subscriptions",
  {
    workflowId: text("workflow_id").notNull(),
    triggerIndex: integer("trigger_index").notNull(),
    eventName: text("event_name").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.workflowId, table.triggerIndex] }),
    index("event_subscriptions_name").on(table.eventName),
  ],
);

/** Events received, kept for the lookback of `wait` steps and to deduplicate by key. */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    key: text("key"),
    payload: text("payload").notNull(),
    /** The runs the event started, as a JSON array of ids; complete once `fannedOutAt` is set. */
    startedRuns: text("started_runs").notNull(),
    receivedAt: integer("received_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    /**
     * When every subscriber's run was started and every waiter told; null until then, so a
     * retry with the same key, or the watchdog, carries out what a dead request left.
     */
    fannedOutAt: integer("fanned_out_at"),
  },
  (table) => [
    index("events_name_received").on(table.name, table.receivedAt),
    uniqueIndex("events_name_key").on(table.name, table.key),
    index("events_expires").on(table.expiresAt),
    index("events_unfinished").on(table.receivedAt).where(sql`fanned_out_at IS NULL`),
  ],
);

/**
 * API tokens. Only the SHA-256 of a token is kept; it is shown once, at creation.
 * Revoked rows stay so that audit entries keep naming their actor; a name is unique among
 * the tokens not revoked.
 */
export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    role: text("role").notNull(),
    /** Hex SHA-256 of the whole token (`wm_…`). */
    tokenHash: text("token_hash").notNull(),
    createdAt: integer("created_at").notNull(),
    createdBy: text("created_by"),
    /** Refreshed at most once a minute. */
    lastUsedAt: integer("last_used_at"),
    expiresAt: integer("expires_at"),
    revokedAt: integer("revoked_at"),
  },
  (table) => [
    uniqueIndex("api_tokens_hash").on(table.tokenHash),
    uniqueIndex("api_tokens_active_name").on(table.name).where(sql`revoked_at IS NULL`),
  ],
);

/**
 * The approvals inbox: one row per approval step that waits or waited, written through the
 * run's outbox (pending when the step starts waiting, resolved when it stops).
 */
export const approvals = sqliteTable(
  "approvals",
  {
    runId: text("run_id").notNull(),
    stepId: text("step_id").notNull(),
    attempt: integer("attempt").notNull(),
    workflowId: text("workflow_id").notNull(),
    /** JSON array of role and token names; empty means any operator. */
    approvers: text("approvers").notNull(),
    /** `pending` or `resolved`. */
    status: text("status").notNull(),
    /** The step's status once resolved: succeeded (approved), failed (rejected, timed out), cancelled. */
    outcome: text("outcome"),
    requestedAt: integer("requested_at").notNull(),
    expiresAt: integer("expires_at"),
    resolvedAt: integer("resolved_at"),
  },
  (table) => [
    primaryKey({ columns: [table.runId, table.stepId] }),
    index("approvals_status_requested").on(table.status, table.requestedAt),
  ],
);

/**
 * `wait` steps waiting for an event, by event name, so an event finds its waiters without
 * scanning runs. Written through the run's outbox; removed when the wait ends.
 */
export const waiters = sqliteTable(
  "waiters",
  {
    runId: text("run_id").notNull(),
    stepId: text("step_id").notNull(),
    attempt: integer("attempt").notNull(),
    eventName: text("event_name").notNull(),
    /** Events received at or after this time count (wait start − lookback). */
    since: integer("since").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.stepId] }), index("waiters_event_name").on(table.eventName)],
);

/** Housekeeping bookkeeping, e.g. when the daily prune last completed. */
export const maintenance = sqliteTable("maintenance", {
  task: text("task").primaryKey(),
  lastRunAt: integer("last_run_at").notNull(),
});

/**
 * The knowledge store that `retrieve` steps search (PUT /api/knowledge/{collection}/{docId}):
 * one row per document, with its metadata; its text lives in chunks.
 */
export const knowledgeDocuments = sqliteTable(
  "knowledge_documents",
  {
    collection: text("collection").notNull(),
    docId: text("doc_id").notNull(),
    /** JSON object, or null. */
    metadata: text("metadata"),
    bytes: integer("bytes").notNull(),
    chunks: integer("chunks").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.collection, table.docId] })],
);

/**
 * A document's text, cut into overlapping chunks. The FTS5 table `knowledge_fts` (migration
 * 0008, written by hand: drizzle-kit cannot declare virtual tables) indexes `text` with this
 * table as its external content, keyed by `id`; db/knowledge.ts keeps the two in step.
 */
export const knowledgeChunks = sqliteTable(
  "knowledge_chunks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    collection: text("collection").notNull(),
    docId: text("doc_id").notNull(),
    chunk: integer("chunk").notNull(),
    text: text("text").notNull(),
  },
  (table) => [uniqueIndex("knowledge_chunks_doc").on(table.collection, table.docId, table.chunk)],
);
