// A task's outcome on its way to the run through the queue: what the consumer sends when
// the run could not be told at once, so a failed report is retried on its own and the
// effect is never carried out again for it.
import { z } from "zod";

export const reportMessageSchema = z.object({
  type: z.literal("report"),
  runId: z.string().min(1),
  stepId: z.string().min(1),
  attempt: z.int().min(1),
  stepType: z.string().min(1),
  /** The outcome (taskReportSchema's), or a `{ $blob }` reference to it in R2 when over 64 KiB. */
  outcome: z.unknown(),
  /**
   * The claimant the report first asked a hand-off for: the run may have handed a task over
   * to it without the answer arriving, and answers it again to whoever delivers this report.
   */
  claimant: z.string().optional(),
});

export type ReportMessage = z.infer<typeof reportMessageSchema>;

export function isReportMessage(body: unknown): boolean {
  return typeof body === "object" && body !== null && (body as { type?: unknown }).type === "report";
}
