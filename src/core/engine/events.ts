// What the engine accepts: the events the shell feeds a run's transitions.
import type { ErrorRecord } from "../errors";
import type { RunStatus, Usage } from "./run-state";

/** An event as a `wait` step's `match` sees it. */
export interface ReceivedEvent {
  id: string;
  name: string;
  payload: unknown;
  key: string | null;
  receivedAt: number;
}

export type RunEvent =
  | { type: "start" }
  | { type: "step_completed"; stepId: string; attempt: number; output: unknown; httpStatus?: number; usage?: Usage }
  | { type: "step_failed"; stepId: string; attempt: number; error: ErrorRecord; usage?: Usage }
  /** The answer of failure triage for a step waiting on it (triage.ts). */
  | {
      type: "triage_decided";
      stepId: string;
      attempt: number;
      outcome: { ok: true; output: unknown } | { ok: false; error: ErrorRecord };
      usage?: Usage;
    }
  /**
   * A consumer took an attempt's task off the queue and is about to run it: the attempt's
   * deadline starts now, so time spent waiting in the queue never counts against it.
   */
  | { type: "task_claimed"; stepId: string; attempt: number; timeoutMs: number }
  /** Sent by the alarm: handles every timer with `at <= now`. */
  | { type: "timers_due" }
  | { type: "cancel"; reason?: string }
  /** Redrive: resume a failed, timed-out or cancelled run in place; `queued` (runs under flow control) until its gate starts it again. */
  | { type: "retry"; queued?: boolean }
  /** A person (or a signed link) decided a waiting approval; admission is the shell's to check first. */
  | {
      type: "approval_decided";
      stepId: string;
      attempt: number;
      decision: "approve" | "reject";
      by: string;
      comment?: string;
    }
  /** An event with the name a waiting `wait` step listens for; its `match` decides. */
  | { type: "event_received"; stepId: string; attempt: number; event: ReceivedEvent }
  /** The child run of a `workflow` step finished. */
  | {
      type: "child_finished";
      stepId: string;
      childRunId: string;
      status: RunStatus;
      output?: unknown;
      error?: ErrorRecord | null;
    };
