// The retrieve step executor: a search of the knowledge store, through the queue like any
// I/O step so the run's Durable Object never waits on D1. Its output's passages are the
// citations an llm step is given as `context`. D1 failing is infrastructure: it throws,
// and the consumer redelivers.
import { z } from "zod";
import { NonRetryableError, toErrorRecord } from "../core/errors";
import { database } from "../db/client";
import { fullTextIndex, type PassageIndex } from "./passage-index";
import type { TaskReport } from "../durable/run-commands";
import type { TaskMessage } from "./task-message";

const DEFAULT_RETRIEVE_LIMIT = 5;

const retrieveRequestSchema = z.object({
  collection: z.string().min(1),
  // A query template that was exactly one `{{ expr }}` may have yielded a number or an object.
  query: z
    .unknown()
    .optional()
    .transform((value) =>
      typeof value === "string" ? value : value === undefined || value === null ? "" : JSON.stringify(value),
    ),
  limit: z.int().min(1).max(50).optional(),
});

export async function executeRetrieve(
  task: Pick<TaskMessage, "request">,
  d1: D1Database,
  index: PassageIndex = fullTextIndex(database(d1)),
): Promise<TaskReport["outcome"]> {
  const parsed = retrieveRequestSchema.safeParse(task.request);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "request"}: ${issue.message}`)
      .join("; ");
    return {
      ok: false,
      error: toErrorRecord(new NonRetryableError("invalid_request", `invalid retrieve request: ${problems}`)),
    };
  }
  const { collection, query, limit } = parsed.data;
  const passages = await index.search(collection, query, limit ?? DEFAULT_RETRIEVE_LIMIT);
  if (passages === null) {
    const message = `knowledge collection "${collection}" has no documents; add some with PUT /api/knowledge/${collection}/{docId}`;
    return { ok: false, error: { code: "collection_empty", message, retryable: false } };
  }
  return { ok: true, output: { passages } };
}
