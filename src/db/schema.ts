// D1 tables (drizzle). Migrations in migrations/ are generated from this file with
// `npm run db:generate`; D1 holds what outlives a run: definitions, the run index,
// idempotency keys and the audit log. The per-step hot path never waits on it.
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const workflows = sqliteTable("workflows", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description"),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  latestVersion: integer("latest_version").notNull(),
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
  },
  (table) => [
    index("runs_workflow_id").on(table.workflowId, table.id),
    index("runs_status_id").on(table.status, table.id),
  ],
);

export const idempotencyKeys = sqliteTable("idempotency_keys", {
  /** `<workflowId>:<Idempotency-Key header>` */
  key: text("key").primaryKey(),
  requestHash: text("request_hash").notNull(),
  runId: text("run_id").notNull(),
  /** `in_flight` while the first request is being handled, then `done`. */
  state: text("state").notNull(),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
});

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
    action: text("action").notNull(),
    target: text("target").notNull(),
    runId: text("run_id"),
    requestId: text("request_id"),
    result: text("result"),
    detail: text("detail"),
  },
  (table) => [uniqueIndex("audit_event_id").on(table.eventId), index("audit_target").on(table.target, table.seq)],
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
