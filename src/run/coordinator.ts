// RunCoordinator: one Durable Object per run, a thin shell around the pure engine.
// Every intent is: load → transition → save (state, timers, outbox; transitions.ts) →
// perform (background.ts). What each effect writes is effects.ts; all timers share the
// object's single alarm, which is always set to the earliest (wake-up.ts).
// A run under flow control is created queued and started later by its gate (src/gate).
import { DurableObject } from "cloudflare:workers";
import { approvalRefusal, isRedrivable, isRunFinished } from "../core/engine";
import type { RunEvent } from "../core/engine/events";
import type { RunState } from "../core/engine/run-state";
import type { TaskKey } from "../core/engine/effects";
import { toRunView, type RunView } from "../core/engine/run-view";
import { IntentLock } from "../durable/intent-lock";
import {
  RUN_NOT_FOUND,
  type ApprovalDecisionCommand,
  type ApprovalRequestResult,
  type ChildReport,
  type CommandResult,
  type EventDelivery,
  type EventDeliveryAnswer,
  type ItemQuery,
  type MapItemPage,
  type RerunPlan,
  type ReportAnswer,
  type ReportHandoff,
  type StartCommand,
  type TaskReport,
} from "../durable/run-commands";
import type { RunRpc } from "../durable/run-stub";
import { Background } from "./background";
import { hasBlobReferences, restoreRun } from "./blobs";
import { pageItems } from "./item-pages";
import { acceptListener } from "./live";
import { OutboxFlusher } from "./outbox-flush";
import { RunRecords } from "./records";
import { taskReportEvent, triageReportEvent } from "./report-events";
import { approvalRequest, rerunPlan } from "./run-reads";
import { claimTask } from "./task-claims";
import { handedOverBefore } from "./task-handoff";
import { Transitions } from "./transitions";
import { WakeUp } from "./wake-up";

export class RunCoordinator extends DurableObject<Env> implements RunRpc {
  /** The run's state and definition, and the object's tables. */
  private readonly run: RunRecords;
  /** Each intent runs alone: load → transition → save is never interleaved. */
  private readonly lock = new IntentLock();
  /** Every timer multiplexed onto the object's one alarm. */
  private readonly wakeUp: WakeUp;
  private readonly transitions: Transitions;
  private readonly background: Background;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const run = new RunRecords(ctx.storage);
    const outbox = new OutboxFlusher(run, env);
    this.run = run;
    this.wakeUp = new WakeUp(ctx.storage, run, outbox);
    this.transitions = new Transitions(ctx, env, run, this.wakeUp);
    const { lock, wakeUp, transitions } = this;
    this.background = new Background({ ctx, env, run, transitions, outbox, wakeUp, lock, callbacks: this });
    const loaded = run.state;
    if (loaded && hasBlobReferences(loaded))
      void ctx.blockConcurrencyWhile(async () => void (run.state = await restoreRun(env.BLOBS, loaded)));
  }

  /** Creates and starts the run; a repeated start returns the existing run (and records its audit entries). */
  async start(command: StartCommand): Promise<RunView> {
    return this.serially(async () => {
      if (this.run.state) {
        // The caller answers as if it started the run: its entries must not be lost.
        if (command.auditEntries?.length) await this.background.perform(this.transitions.record(command));
        return toRunView(this.run.state);
      }
      await this.createStartingSoon(command);
      await this.apply({ type: "start" });
      return toRunView(this.run.state!);
    });
  }

  /**
   * Creates the run to start from its alarm right after (an accepted webhook: the answer does
   * not wait for the start, yet the run is durable before it); a repeated accept changes nothing.
   */
  async accept(command: StartCommand): Promise<RunView> {
    return this.serially(async () => {
      if (!this.run.state) await this.createStartingSoon(command);
      return toRunView(this.run.state!);
    });
  }

  /** Creates the run, queued, without starting it (its gate starts it); a repeated create returns the existing run. */
  async create(command: StartCommand): Promise<RunView> {
    return this.serially(async () => {
      if (!this.run.state) await this.transitions.create(command);
      return toRunView(this.run.state!);
    });
  }

  /** Starts a created run; a run already started (or cancelled while queued) is left as it is. Null when there is no run. */
  async startQueued(): Promise<RunView | null> {
    return this.serially(async () => {
      if (!this.run.state) return null;
      await this.apply({ type: "start" });
      return toRunView(this.run.state);
    });
  }

  /** Debounce: a later trigger's input replaces the input of this run while it is still queued. */
  async replaceQueuedInput(input: unknown): Promise<CommandResult> {
    return this.serially(async () => {
      const { state, definition } = this.run;
      if (!state || !definition) return RUN_NOT_FOUND;
      if (state.status !== "queued") return invalidState("only a queued run takes a new input", state);
      return { ok: true, run: toRunView(await this.transitions.replaceInput(definition, state, input)) } as const;
    });
  }

  /**
   * A task's outcome from the queue consumer; stale and duplicate reports are ignored by the
   * engine. With `handoff`, the run's next task goes back to the reporter, claimed (task-handoff.ts).
   */
  async report(report: TaskReport, handoff?: ReportHandoff): Promise<ReportAnswer> {
    const event = taskReportEvent(report);
    return this.serially(async () => {
      const saved = await this.transitions.apply(event, undefined, handoff?.claimant);
      // Whatever was not handed over goes to the queue now.
      await this.background.perform(saved);
      // A repeated report (its first answer lost) finds the task the first one handed over.
      return { next: saved.handedOff ?? (handoff ? handedOverBefore(this.run, handoff.claimant) : null) };
    });
  }

  /** The answer of failure triage for a step that waits on it (core/engine/triage.ts). */
  async triaged(report: TaskReport): Promise<void> {
    const event = triageReportEvent(report);
    await this.serially(() => this.apply(event));
  }

  async cancel(reason?: string): Promise<CommandResult> {
    return this.command(
      { type: "cancel", reason },
      (state) => !isRunFinished(state),
      "only an unfinished run can be cancelled",
    );
  }

  /** Redrive; a run under flow control goes back through its gates, queued until one starts it (a `readmit` duty). */
  async redrive(): Promise<CommandResult> {
    const queued = this.run.gates.isGated();
    return this.command(
      { type: "retry", queued },
      isRedrivable,
      "only a failed, timed-out or cancelled run can be retried",
    );
  }

  /** A decision on a waiting approval, after checking the step and that the decider is admitted. */
  async decideApproval(command: ApprovalDecisionCommand): Promise<CommandResult> {
    return this.serially(async () => {
      const { state, definition } = this.run;
      if (!state || !definition) return RUN_NOT_FOUND;
      const { stepId, decision, comment, decider } = command;
      const refusal = approvalRefusal(definition, state, stepId, decider, command.attempt);
      if (refusal) return { ok: false, ...refusal } as const;
      const attempt = command.attempt ?? state.steps[stepId]!.attempts.at(-1)!.n;
      const by = decider.link ? "link" : decider.name;
      await this.apply({ type: "approval_decided", stepId, attempt, decision, by, comment });
      return { ok: true, run: toRunView(this.run.state!) } as const;
    });
  }

  /** What a signed link for a waiting approval needs (see run-reads.ts). */
  async approvalRequest(stepId: string, minter: { name: string; role: string }): Promise<ApprovalRequestResult> {
    return approvalRequest(this.run, stepId, minter);
  }

  /** An event for a waiting `wait` step; `resumed` when it ended the wait. */
  async deliverEvent(delivery: EventDelivery): Promise<EventDeliveryAnswer> {
    const isWaiting = () => {
      const step = this.run.state?.steps[delivery.stepId];
      return step?.status === "waiting" && step.attempts.at(-1)?.n === delivery.attempt;
    };
    return this.serially(async () => {
      const wasWaiting = isWaiting();
      await this.apply({ type: "event_received", ...delivery });
      const waiting = isWaiting();
      return { resumed: wasWaiting && !waiting, waiting };
    });
  }

  /** A child run of a `workflow` step finished (told by the child, retried until heard). */
  async childFinished(report: ChildReport): Promise<void> {
    await this.serially(() => this.apply({ type: "child_finished", ...report }));
  }

  /**
   * Retention: forgets a finished run whose records have all left (outbox, duties, gate
   * releases). Listeners are closed; the object answers as if the run never existed.
   */
  async purge(): Promise<{ purged: boolean; reason?: string }> {
    return this.serially(async () => {
      const { state } = this.run;
      if (!state) return { purged: true };
      if (!isRunFinished(state)) return { purged: false, reason: `the run is ${state.status}` };
      if (this.run.owesRecords()) return { purged: false, reason: "the run still owes records" };
      for (const socket of this.ctx.getWebSockets()) socket.close(1000, "run pruned");
      this.run.erase();
      this.wakeUp.arm();
      return { purged: true };
    });
  }

  /** GET /api/runs/{id}/live arrives here as a WebSocket upgrade (hibernatable listeners). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade", { status: 426 });
    if (!this.run.state) return new Response(RUN_NOT_FOUND.message, { status: 404 });
    return acceptListener(this.ctx, this.run.state);
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (message === "ping") socket.send("pong");
  }

  override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    socket.close(code === 1005 ? 1000 : code, "closed");
  }

  async getRun(): Promise<RunView | null> {
    const { state } = this.run;
    return state ? { ...toRunView(state), storageBytes: this.ctx.storage.sql.databaseSize } : null;
  }

  /** A page of a map step's items (see item-pages.ts). */
  async listItems(stepId: string, query: ItemQuery): Promise<MapItemPage> {
    if (!this.run.state) return RUN_NOT_FOUND;
    return pageItems(this.run.storage, this.run.state, stepId, query);
  }

  /** What a rerun of this run needs (see run-reads.ts). */
  async rerunPlan(fromStep?: string): Promise<RerunPlan> {
    return rerunPlan(this.run, fromStep);
  }

  /** A consumer is about to run a task: "go" or "skip" (see task-claims.ts). */
  async claimTask(key: TaskKey, messageId: string): Promise<"go" | "skip"> {
    return this.serially(async () => {
      const answer = await claimTask(this.run, key, messageId, (event, claim) => this.apply(event, claim));
      if (answer === "go") this.wakeUp.arm();
      return answer;
    });
  }

  /**
   * Everything due: a start, timers, unclaimed tasks, the outbox, gates and duties. Work that
   * throws never strands the run: the alarm is set again shortly and the work, idempotent, redone.
   */
  override async alarm(): Promise<void> {
    this.wakeUp.delivered();
    await this.background.doWhatIsDue();
  }

  /**
   * The watchdog's nudge (watchdog.ts), for a run whose alarm a crash may have lost: the
   * alarm is written again from the state and what is due is done now, as the alarm would.
   */
  async wake(): Promise<void> {
    if (!this.run.state) return;
    this.wakeUp.forget();
    await this.background.doWhatIsDue();
  }

  /** Created marked to start from the alarm, so a crash between creating and starting it cannot leave it queued. */
  private async createStartingSoon(command: StartCommand): Promise<void> {
    await this.transitions.create(command, () => this.run.storage.markStartSoon());
    this.run.startSoon = true;
    this.wakeUp.arm();
  }

  private async command(
    event: RunEvent,
    allowed: (state: RunState) => boolean,
    refusal: string,
  ): Promise<CommandResult> {
    return this.serially(async () => {
      const { state } = this.run;
      if (!state) return RUN_NOT_FOUND;
      if (!allowed(state)) return invalidState(refusal, state);
      await this.apply(event);
      return { ok: true, run: toRunView(this.run.state!) } as const;
    });
  }

  /** Load → transition → save, then perform; `alsoWrite` commits with the new state. */
  private async apply(event: RunEvent, alsoWrite?: () => void): Promise<void> {
    await this.background.perform(await this.transitions.apply(event, alsoWrite));
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.run(work);
  }
}

/** The refusal of an intent that the run's status does not allow. */
function invalidState(refusal: string, state: RunState) {
  return { ok: false, code: "invalid_state", message: `${refusal}; this run is ${state.status}` } as const;
}
