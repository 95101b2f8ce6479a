// RunCoordinator: one Durable Object per run, a thin shell around the pure engine.
// Every intent is: load → transition → save (state, timers, outbox) → perform effects.
// All timers share the object's single alarm, which is always set to the earliest.
// A run under flow control is created queued and started later by its gate (src/gate).
import { DurableObject } from "cloudflare:workers";
import { IntentLock } from "../durable/intent-lock";
import type { RunRpc } from "../durable/run-stub";
import { SingleAlarm } from "../durable/single-alarm";
import type { Definition } from "../core/definition/schema";
import {
  approvalRefusal,
  createRunState,
  isAwaitingTask,
  isRedrivable,
  isRunFinished,
  nextWakeAt,
  planRerun,
  timerKey,
  transition,
} from "../core/engine";
import type { RunEvent, RunState, StepState, TaskKey } from "../core/engine/types";
import { GateLink } from "./gate-link";
import {
  RUN_NOT_FOUND,
  taskReportSchema,
  type ApprovalDecisionCommand,
  type ApprovalRequestResult,
  type ChildReport,
  type CommandResult,
  type EventDelivery,
  type EventDeliveryAnswer,
  type ItemQuery,
  type MapItemPage,
  type RerunPlan,
  type StartCommand,
  type TaskReport,
} from "../durable/run-commands";
import { Duties } from "./duties";
import { performDuty } from "./duty-work";
import { hasBlobReferences, restoreRun, storedForms } from "./blobs";
import { planEffects } from "./effects";
import { flushOutbox } from "./outbox";
import { SqlTables } from "./sql-tables";
import { RunStorage } from "./storage";
import { queueBatches, TaskLedger } from "./task-ledger";
import { acceptListener, broadcastChanges } from "./live";
import { pageItems } from "./item-pages";
import { toRunView, type RunView } from "../core/run-view";

/** How long a dispatched task may go unclaimed before its attempt fails as `delivery_failed`. */
const UNCLAIMED_LIMIT_MS = 10 * 60_000;
/** How soon an alarm whose work threw is delivered again (its work is idempotent). */
const ALARM_RETRY_MS = 2_000;
/** How soon a failed outbox flush is tried again. */
const OUTBOX_RETRY_MS = 5_000;
/**
 * How long the audit rows of a running run may wait in the outbox: the rows of the next
 * steps join them in one D1 batch instead of one batch per step. Short enough that the
 * audit log trails the run by a blink; nobody waits on these rows (see isFlushUrgent).
 */
const OUTBOX_COALESCE_MS = 250;

export class RunCoordinator extends DurableObject<Env> implements RunRpc {
  private readonly tables: SqlTables;
  private readonly storage: RunStorage;
  private readonly gates: GateLink;
  private readonly duties: Duties;
  /** Tasks dispatched and not yet claimed by a consumer: sent again until one is. */
  private readonly tasks: TaskLedger;
  private definition: Definition | undefined;
  /** Created to start from its alarm, until the start moves it on (see createStartingSoon). */
  private startSoon: boolean;
  private state: RunState | undefined;
  /** Each intent runs alone: load → transition → save is never interleaved. */
  private readonly lock = new IntentLock();
  /** Every timer multiplexed onto the object's one alarm. */
  private readonly wakeUp: SingleAlarm;
  private flushing: Promise<void> | undefined;
  /** Set when a flush failed: the alarm tries again then. */
  private outboxRetryAt: number | undefined;
  private releasing: Promise<void> | undefined;
  private dutying: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.wakeUp = new SingleAlarm(ctx.storage);
    this.tables = new SqlTables(ctx.storage.sql);
    this.storage = new RunStorage(ctx.storage.sql, this.tables);
    this.gates = new GateLink(ctx.storage.sql, this.tables);
    this.duties = new Duties(ctx.storage.sql, this.tables);
    this.tasks = new TaskLedger(ctx.storage.sql, this.tables);
    this.definition = this.storage.loadDefinition();
    this.state = this.storage.load();
    this.startSoon = this.storage.startsSoon();
    const loaded = this.state;
    if (loaded && hasBlobReferences(loaded))
      void ctx.blockConcurrencyWhile(async () => void (this.state = await restoreRun(env.BLOBS, loaded)));
  }

  /** Creates and starts the run; a repeated start returns the existing run. */
  async start(command: StartCommand): Promise<RunView> {
    return this.serially(async () => {
      if (this.state) return toRunView(this.state);
      await this.createStartingSoon(command);
      await this.perform(await this.apply({ type: "start" }));
      return toRunView(this.state!);
    });
  }

  /**
   * Creates the run to start from its alarm right after (an accepted webhook: the answer does
   * not wait for the start, yet the run is durable before it); a repeated accept changes nothing.
   */
  async accept(command: StartCommand): Promise<RunView> {
    return this.serially(async () => {
      if (!this.state) await this.createStartingSoon(command);
      return toRunView(this.state!);
    });
  }

  /** Creates the run, queued, without starting it (its gate starts it); a repeated create returns the existing run. */
  async create(command: StartCommand): Promise<RunView> {
    return this.serially(async () => {
      if (!this.state) await this.createRun(command);
      return toRunView(this.state!);
    });
  }

  /** Starts a created run; a run already started (or cancelled while queued) is left as it is. Null when there is no run. */
  async startQueued(): Promise<RunView | null> {
    return this.serially(async () => {
      if (!this.state) return null;
      await this.perform(await this.apply({ type: "start" }));
      return toRunView(this.state);
    });
  }

  /** Debounce: a later trigger's input replaces the input of this run while it is still queued. */
  async replaceQueuedInput(input: unknown): Promise<CommandResult> {
    return this.serially(async () => {
      if (!this.state || !this.definition) return RUN_NOT_FOUND;
      if (this.state.status !== "queued")
        return {
          ok: false,
          code: "invalid_state",
          message: `only a queued run takes a new input; this run is ${this.state.status}`,
        } as const;
      const state: RunState = { ...this.state, input };
      this.storage.create(this.definition, state, await storedForms(this.env.BLOBS, undefined, state));
      this.state = state;
      return { ok: true, run: toRunView(state) } as const;
    });
  }

  /** A task's outcome from the queue consumer; stale and duplicate reports are ignored by the engine. */
  async report(report: TaskReport): Promise<void> {
    const parsed = taskReportSchema.parse(report);
    const { outcome, stepId, attempt } = parsed;
    const usage = outcome.usage ? { usage: outcome.usage } : {};
    const event: RunEvent = outcome.ok
      ? { type: "step_completed", stepId, attempt, output: outcome.output, httpStatus: outcome.httpStatus, ...usage }
      : { type: "step_failed", stepId, attempt, error: outcome.error, ...usage };
    await this.serially(async () => this.perform(await this.apply(event)));
  }

  /** The answer of failure triage for a step that waits on it (core/engine/triage.ts). */
  async triaged(report: TaskReport): Promise<void> {
    const { stepId, attempt, outcome } = taskReportSchema.parse(report);
    const answer = outcome.ok
      ? { ok: true as const, output: outcome.output }
      : { ok: false as const, error: outcome.error };
    const event: RunEvent = {
      type: "triage_decided",
      stepId,
      attempt,
      outcome: answer,
      ...(outcome.usage ? { usage: outcome.usage } : {}),
    };
    await this.serially(async () => this.perform(await this.apply(event)));
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
    const queued = this.gates.isGated();
    return this.command(
      { type: "retry", queued },
      isRedrivable,
      "only a failed, timed-out or cancelled run can be retried",
    );
  }

  /** A decision on a waiting approval, after checking the step and that the decider is admitted. */
  async decideApproval(command: ApprovalDecisionCommand): Promise<CommandResult> {
    return this.serially(async () => {
      if (!this.state || !this.definition) return RUN_NOT_FOUND;
      const refusal = approvalRefusal(this.definition, this.state, command.stepId, command.decider, command.attempt);
      if (refusal) return { ok: false, ...refusal } as const;
      const attempt = command.attempt ?? this.state.steps[command.stepId]!.attempts.at(-1)!.n;
      const { stepId, decision, comment } = command;
      await this.perform(
        await this.apply({
          type: "approval_decided",
          stepId,
          attempt,
          decision,
          by: command.decider.link ? "link" : command.decider.name,
          comment,
        }),
      );
      return { ok: true, run: toRunView(this.state) } as const;
    });
  }

  /** What a signed link for a waiting approval needs (its attempt and timeout), if `minter` may decide it. */
  async approvalRequest(stepId: string, minter: { name: string; role: string }): Promise<ApprovalRequestResult> {
    if (!this.state || !this.definition) return RUN_NOT_FOUND;
    const refusal = approvalRefusal(this.definition, this.state, stepId, minter);
    if (refusal) return { ok: false, ...refusal };
    return {
      ok: true,
      attempt: this.state.steps[stepId]!.attempts.at(-1)!.n,
      expiresAt: this.state.timers[timerKey({ kind: "timeout", stepId })]?.at ?? null,
    };
  }

  /** An event for a waiting `wait` step; `resumed` when it ended the wait. */
  async deliverEvent(delivery: EventDelivery): Promise<EventDeliveryAnswer> {
    const isWaiting = () => {
      const step = this.state?.steps[delivery.stepId];
      return step?.status === "waiting" && step.attempts.at(-1)?.n === delivery.attempt;
    };
    return this.serially(async () => {
      const wasWaiting = isWaiting();
      await this.perform(await this.apply({ type: "event_received", ...delivery }));
      const waiting = isWaiting();
      return { resumed: wasWaiting && !waiting, waiting };
    });
  }

  /** A child run of a `workflow` step finished (told by the child, retried until heard). */
  async childFinished(report: ChildReport): Promise<void> {
    await this.serially(async () => this.perform(await this.apply({ type: "child_finished", ...report })));
  }

  /**
   * Retention: forgets a finished run whose records have all left (outbox, duties, gate
   * releases). Listeners are closed; the object answers as if the run never existed.
   */
  async purge(): Promise<{ purged: boolean; reason?: string }> {
    return this.serially(async () => {
      if (!this.state) return { purged: true };
      if (!isRunFinished(this.state)) return { purged: false, reason: `the run is ${this.state.status}` };
      if (this.storage.hasOutbox() || this.duties.hasAny() || this.gates.hasOwed())
        return { purged: false, reason: "the run still owes records" };
      for (const socket of this.ctx.getWebSockets()) socket.close(1000, "run pruned");
      this.transaction(() => {
        this.storage.erase();
        this.tasks.erase();
        this.duties.erase();
        this.gates.erase();
      });
      this.state = undefined;
      this.definition = undefined;
      this.startSoon = false;
      this.armAlarm();
      return { purged: true };
    });
  }

  /** GET /api/runs/{id}/live arrives here as a WebSocket upgrade (hibernatable listeners). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade", { status: 426 });
    if (!this.state) return new Response(RUN_NOT_FOUND.message, { status: 404 });
    return acceptListener(this.ctx, this.state);
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (message === "ping") socket.send("pong");
  }

  override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    socket.close(code === 1005 ? 1000 : code, "closed");
  }

  async getRun(): Promise<RunView | null> {
    return this.state ? { ...toRunView(this.state), storageBytes: this.ctx.storage.sql.databaseSize } : null;
  }

  /** A page of a map step's items (see item-pages.ts). */
  async listItems(stepId: string, query: ItemQuery): Promise<MapItemPage> {
    if (!this.state) return RUN_NOT_FOUND;
    return pageItems(this.storage, this.state, stepId, query);
  }

  /** What a rerun of this run needs: its pinned definition, input, and the steps before `fromStep`. */
  async rerunPlan(fromStep?: string): Promise<RerunPlan> {
    if (!this.state || !this.definition) return { ok: false, code: "not_found" };
    if (fromStep !== undefined && !this.definition.steps.some((step) => step.id === fromStep))
      return { ok: false, code: "unknown_step" };
    return {
      ok: true,
      definition: this.definition,
      input: this.state.input,
      workflow: this.state.workflow,
      version: this.state.version,
      carriedSteps: planRerun(this.definition, this.state, fromStep),
    };
  }

  /**
   * A consumer is about to run a task: "go" to the first claim of a task the run still
   * waits for (its deadline starts now) and again to a redelivery of the message that
   * claimed it; "skip" to any other copy, a stale attempt or a cancelled run, so an effect
   * is never carried out for an attempt that is over.
   */
  async claimTask(key: TaskKey, messageId: string): Promise<"go" | "skip"> {
    return this.serially(async () => {
      const task = this.tasks.find(key);
      if (!task || !this.state) return "skip";
      if (task.claimedBy !== null) return task.claimedBy === messageId ? "go" : "skip";
      if (!isAwaitingTask(this.state, key)) {
        this.transaction(() => this.tasks.remove(key));
        return "skip";
      }
      const claim = () => this.tasks.claim(key, messageId);
      if (key.stepType === "triage" || key.stepType === "notify") this.transaction(claim);
      else {
        const before = this.state;
        await this.perform(
          await this.apply({ type: "task_claimed", ...key, timeoutMs: task.message.timeoutMs }, claim),
        );
        // The engine must have started the deadline; were it to refuse, nobody runs the task.
        if (this.state === before) {
          this.transaction(() => this.tasks.remove(key));
          return "skip";
        }
      }
      this.armAlarm();
      return "go";
    });
  }

  /**
   * Everything due: a start, timers, unclaimed tasks, the outbox, gates and duties. Work that
   * throws never strands the run: the alarm is set again shortly and the work, idempotent, redone.
   */
  override async alarm(): Promise<void> {
    this.wakeUp.delivered();
    await this.doWhatIsDue();
  }

  /**
   * The watchdog's nudge (watchdog.ts), for a run whose alarm a crash may have lost: the
   * alarm is written again from the state and what is due is done now, as the alarm would.
   */
  async wake(): Promise<void> {
    if (!this.state) return;
    this.wakeUp.forget();
    await this.doWhatIsDue();
  }

  private async doWhatIsDue(): Promise<void> {
    try {
      await this.serially(async () => {
        if (this.isStartingSoon()) await this.perform(await this.apply({ type: "start" }));
        if (this.state && !isRunFinished(this.state)) await this.perform(await this.apply({ type: "timers_due" }));
        await this.giveUpUnclaimedTasks();
        await this.sendDueTasks();
      });
      await this.releaseGates();
      await this.flush();
      await this.performDuties();
      this.armAlarm();
    } catch (error) {
      console.error(`run ${this.state?.id ?? "?"}: alarm work failed; trying again shortly`, error);
      this.wakeUp.set(Date.now() + ALARM_RETRY_MS);
    }
  }

  private isStartingSoon(): boolean {
    return this.startSoon && this.state?.status === "queued";
  }

  /** Created marked to start from the alarm, so a crash between creating and starting it cannot leave it queued. */
  private async createStartingSoon(command: StartCommand): Promise<void> {
    await this.createRun(command, () => this.storage.markStartSoon());
    this.startSoon = true;
    this.armAlarm();
  }

  private async createRun(command: StartCommand, alsoWrite?: () => void): Promise<void> {
    const definition = command.definition as Definition;
    const state = createRunState(definition, {
      id: command.runId,
      workflow: command.workflow,
      version: command.version,
      trigger: command.trigger as RunState["trigger"],
      input: command.input,
      createdAt: command.createdAt,
      rerunOf: command.rerunOf,
      carriedSteps: command.carriedSteps as Record<string, StepState> | undefined,
    });
    const stored = await storedForms(this.env.BLOBS, undefined, state);
    this.transaction(() => {
      this.storage.create(definition, state, stored);
      this.gates.remember(command.gates ?? []);
      alsoWrite?.();
    });
    this.definition = definition;
    this.state = state;
  }

  private async command(
    event: RunEvent,
    allowed: (state: RunState) => boolean,
    refusal: string,
  ): Promise<CommandResult> {
    return this.serially(async () => {
      if (!this.state) return RUN_NOT_FOUND;
      if (!allowed(this.state))
        return { ok: false, code: "invalid_state", message: `${refusal}; this run is ${this.state.status}` } as const;
      await this.perform(await this.apply(event));
      return { ok: true, run: toRunView(this.state) } as const;
    });
  }

  /**
   * Runs the engine and saves its result, its tasks and outbox records in one synchronous
   * write (with `alsoWrite`, a change of the shell's own that must commit with it). True
   * when the transition dispatched tasks (they are in the ledger, to be sent).
   */
  private async apply(event: RunEvent, alsoWrite?: () => void): Promise<boolean> {
    const before = this.state;
    // A report can reach an object whose run never started (a stray message): nothing to do.
    if (!before || !this.definition) return false;
    const now = Date.now();
    const { state, effects } = await transition(this.definition, before, event, now, this.storage.items);
    if (state === before && effects.length === 0) {
      if (alsoWrite) this.transaction(alsoWrite);
      return false;
    }
    const tables = { storage: this.storage, duties: this.duties, gates: this.gates };
    const writes = planEffects(effects, { before, state, now }, tables, this.env.BLOBS);
    const [stored, tasks] = await Promise.all([storedForms(this.env.BLOBS, before, state), Promise.all(writes.tasks)]);
    this.transaction(() => {
      alsoWrite?.();
      this.storage.save(before, state, stored);
      for (const task of tasks) this.tasks.record(task, now);
      // A finished run waits for no task, a step that moved on for none of its old ones.
      if (isRunFinished(state)) this.tasks.erase();
      else this.dropStaleTasks(before, state);
      for (const record of writes.records) record();
    });
    this.state = state;
    this.armAlarm();
    broadcastChanges(this.ctx, before, state);
    return writes.tasks.length > 0;
  }

  /** Unclaimed tasks of the steps this transition changed that the run no longer waits for. */
  private dropStaleTasks(before: RunState, after: RunState): void {
    for (const [id, step] of Object.entries(before.steps)) {
      if (after.steps[id] === step) continue;
      for (const task of this.tasks.ofStep(id)) if (!isAwaitingTask(after, task)) this.tasks.remove(task);
    }
  }

  /** One synchronous write; a table it created is forgotten again if it rolls back. */
  private transaction(write: () => void): void {
    try {
      this.ctx.storage.transactionSync(write);
    } catch (error) {
      this.tables.relearn();
      throw error;
    }
  }

  /** Sends the tasks the transition recorded (after the state that expects them is saved) and flushes the outbox in the background when it is urgent. */
  private async perform(dispatched: boolean): Promise<void> {
    if (dispatched) await this.sendDueTasks();
    if (this.isFlushUrgent()) this.ctx.waitUntil(this.flush().then(() => this.performDuties()));
    else if (this.duties.hasAny()) this.ctx.waitUntil(this.performDuties());
    // In the background, never under the lock: the gate may be calling this run (or the next) meanwhile.
    if (this.gates.hasOwed()) this.ctx.waitUntil(this.releaseGates());
  }

  /**
   * Sends every unclaimed task that is due, in batches the queue accepts; a batch that
   * fails is tried again shortly, one that went out is sent again until a consumer claims
   * it. Tasks the run no longer waits for are dropped.
   */
  private async sendDueTasks(): Promise<void> {
    const state = this.state;
    if (!state) return;
    const now = Date.now();
    const due = this.tasks.due(now);
    const stale = due.filter((task) => !isAwaitingTask(state, task));
    if (stale.length > 0)
      this.transaction(() => {
        for (const task of stale) this.tasks.remove(task);
      });
    const batches = queueBatches(due.filter((task) => isAwaitingTask(state, task)));
    await Promise.all(
      batches.map(async (batch) => {
        try {
          await this.env.TASKS.sendBatch(batch.map((task) => ({ body: task.message, contentType: "json" as const })));
          this.tasks.markSent(batch, Date.now());
        } catch (error) {
          console.error(`run ${state.id}: sending ${batch.length} tasks failed; trying again shortly`, error);
          this.tasks.markUnsent(batch, Date.now());
        }
      }),
    );
    this.armAlarm();
  }

  /**
   * A task no consumer claimed in UNCLAIMED_LIMIT_MS (the queue refuses it, or nothing
   * consumes it) fails its step as `delivery_failed`, as a dead-lettered one does, instead
   * of the run waiting for ever.
   */
  private async giveUpUnclaimedTasks(): Promise<void> {
    const now = Date.now();
    for (const task of this.tasks.due(now)) {
      if (now - task.recordedAt < UNCLAIMED_LIMIT_MS || !this.state) continue;
      const error = {
        code: "delivery_failed",
        message: `no consumer took the task in ${UNCLAIMED_LIMIT_MS / 60_000} minutes`,
        retryable: false,
      };
      const { stepId, attempt } = task;
      const drop = () => this.tasks.remove(task);
      if (task.stepType === "notify") this.transaction(drop);
      else if (task.stepType === "triage")
        await this.perform(
          await this.apply({ type: "triage_decided", stepId, attempt, outcome: { ok: false, error } }, drop),
        );
      else await this.perform(await this.apply({ type: "step_failed", stepId, attempt, error }, drop));
    }
  }

  private async releaseGates(): Promise<void> {
    if (!this.state) return;
    this.releasing ??= this.gates.release(this.env, this.state.id).finally(() => (this.releasing = undefined));
    await this.releasing;
    this.armAlarm();
  }

  /** Performs what the run owes others, outside the lock (they may call back into this run). */
  private async performDuties(): Promise<void> {
    if (!this.state || !this.duties.hasAny()) return;
    this.dutying ??= (async () => {
      // Duties owed while this pass runs get their turn too; each is tried once per pass.
      const tried = new Set<string>();
      const context = {
        env: this.env,
        state: this.state!,
        definition: this.definition!,
        releaseGates: async () => (await this.releaseGates(), !this.gates.hasOwed()),
        outboxFlushed: () => !this.storage.hasOutbox(),
        deliverEvent: (delivery: EventDelivery) => this.deliverEvent(delivery),
        childFinished: (report: ChildReport) => this.childFinished(report),
      };
      for (let next = this.untried(tried); next; next = this.untried(tried)) {
        tried.add(next.key);
        if (await performDuty(next, { ...context, state: this.state! })) this.duties.settle(next.key);
      }
    })().finally(() => (this.dutying = undefined));
    await this.dutying;
    this.armAlarm();
  }

  private untried(tried: Set<string>) {
    return this.duties.list().find((duty) => !tried.has(duty.key));
  }

  /**
   * Whether the outbox should go to D1 now rather than with the next steps' rows: when
   * others wait on a row (a new run status, the approvals inbox, event waiters), when the
   * run is not running (no next step is coming soon), or when its oldest row waited long enough.
   */
  private isFlushUrgent(): boolean {
    const pending = this.storage.pendingOutbox();
    if (!pending) return false;
    return pending.urgent || this.state?.status !== "running" || Date.now() >= pending.since + OUTBOX_COALESCE_MS;
  }

  /** Sends every pending row (deferred ones too, in order); a pass that failed is retried by the alarm. */
  private async flush(): Promise<void> {
    // Rows appended just as a pass ends (after its last read) are not left for the alarm.
    do {
      this.flushing ??= this.flushPass().finally(() => (this.flushing = undefined));
      await this.flushing;
    } while (this.outboxRetryAt === undefined && this.storage.pendingOutbox());
    this.armAlarm();
  }

  private async flushPass(): Promise<void> {
    try {
      await flushOutbox(this.storage, this.env.DB);
      this.outboxRetryAt = undefined;
    } catch (error) {
      console.error("outbox flush failed; the alarm retries it", error);
      this.outboxRetryAt = Date.now() + OUTBOX_RETRY_MS;
    }
  }

  /**
   * The alarm is the earliest of: the next engine timer, a pending start, the next (re)send
   * of an unclaimed task, the deferred flush of audit rows, a retry of a failed (or not yet
   * finished) outbox flush, gate release or duty.
   */
  // Computed and set synchronously, so the last caller always wins with fresh state.
  private armAlarm(): void {
    const candidates: number[] = [];
    const wake = this.state && !isRunFinished(this.state) ? nextWakeAt(this.state) : undefined;
    if (wake !== undefined) candidates.push(wake);
    const resend = this.tasks.nextDueAt();
    if (resend !== undefined) candidates.push(resend);
    if (this.isStartingSoon()) candidates.push(Date.now());
    const pending = this.storage.pendingOutbox();
    if (pending)
      candidates.push(
        this.outboxRetryAt ??
          (this.isFlushUrgent() ? Date.now() + OUTBOX_RETRY_MS : pending.since + OUTBOX_COALESCE_MS),
      );
    if (this.gates.hasOwed() || this.duties.hasAny()) candidates.push(Date.now() + OUTBOX_RETRY_MS);
    const at = candidates.length === 0 ? null : Math.min(...candidates);
    this.wakeUp.set(at);
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.run(work);
  }
}
