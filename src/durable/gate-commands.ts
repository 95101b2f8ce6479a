// What reaches a WorkflowGate (validated once, at the RPC boundary) and what it answers.
import { z } from "zod";
import { gatePolicySchema, gateStageSchema } from "../core/flow-control";
import type { StartCommand } from "./run-commands";
import type { RunView } from "../core/engine/run-view";

export const admitRequestSchema = z.strictObject({
  runId: z.string().min(1),
  /** This gate's rules, from the run's pinned definition. */
  policy: gatePolicySchema,
  /** The gates after this one; empty when this gate starts the run itself. */
  next: z.array(gateStageSchema),
  /** First gate only: the run's object is created (queued) from this before the run is admitted. */
  create: z.custom<StartCommand>((value) => typeof value === "object" && value !== null && "runId" in value).optional(),
  /** A rerun waits its turn but is never merged into a pending debounced run. */
  skipDebounce: z.boolean().optional(),
});
export type AdmitRequest = z.infer<typeof admitRequestSchema>;

export interface AdmitAnswer {
  /** The run as it stands: running when it started at once, queued when it waits; null if it no longer exists. */
  run: RunView | null;
  /** True when the trigger joined the run waiting out its debounce quiet period (whose id this is). */
  debounced: boolean;
}
