// Flow control's vocabulary: a gate's rules, the runs it holds back or lets
// through, the events it accepts and the actions it asks its Durable Object to perform.
import { z } from "zod";

export const gatePolicySchema = z.strictObject({
  /** Most runs of this gate under way at once; the rest wait, FIFO. */
  concurrency: z.int().min(1).optional(),
  /** Most starts in any sliding window of `periodMs`; the rest wait, FIFO. */
  rateLimit: z.strictObject({ limit: z.int().min(1), periodMs: z.int().min(1) }).optional(),
  /** Quiet period: a run starts only once this long has passed without another trigger. */
  debounceMs: z.int().min(1).optional(),
});
export type GatePolicy = z.infer<typeof gatePolicySchema>;

/** One gate a run passes through: its Durable Object's name and the rules it applies. */
export const gateStageSchema = z.strictObject({ name: z.string().min(1), policy: gatePolicySchema });
export type GateStage = z.infer<typeof gateStageSchema>;

export interface WaitingRun {
  runId: string;
  queuedAt: number;
  /** Debounce: the end of the run's quiet period; it does not start before. */
  notBefore?: number;
  /** The gates still ahead of the run once this one lets it through (empty: start it). */
  next: GateStage[];
}

/** A run this gate let through: it holds a concurrency slot until its release. */
export interface AdmittedRun {
  runId: string;
  /** False until the run (or the next gate) acknowledged the start; the alarm retries it. */
  confirmed: boolean;
  next: GateStage[];
}

export interface GateState {
  /** The rules of the latest admitted run's pinned definition. */
  policy: GatePolicy;
  /** FIFO: array order is arrival order. */
  waiting: WaitingRun[];
  admitted: AdmittedRun[];
  /** Start times inside the current rate window, oldest first. */
  starts: number[];
}

/** What became of a start: the run took it (and will release), had already finished, or does not exist. */
export type StartAnswer = "accepted" | "finished" | "missing";

export type GateEvent =
  /** A new run asks to start. `debounce: false` (a rerun) queues it without merging it. */
  | { type: "admit"; runId: string; policy: GatePolicy; next: GateStage[]; debounce?: boolean }
  /** The run finished (or was cancelled while waiting): it leaves the gate and frees its slot. */
  | { type: "release"; runId: string }
  | { type: "start_answered"; runId: string; answer: StartAnswer }
  /** The alarm: starts what became due and retries unacknowledged starts. */
  | { type: "tick" };

/** Start the run, or hand it to the next gate in `next`. Idempotent at the receiver. */
export interface StartAction {
  type: "start";
  runId: string;
  next: GateStage[];
}

export type AdmitOutcome =
  /** Already known to this gate: nothing changed. */
  | { type: "known" }
  /** Queued (and maybe started at once, see the actions). */
  | { type: "queued" }
  /** Merged into the run waiting out its quiet period: that run takes the new input. */
  | { type: "debounced"; into: string };

export interface GateDecision {
  state: GateState;
  actions: StartAction[];
  /** Set for `admit` events. */
  outcome?: AdmitOutcome;
}
