// The run's work after its state is saved and whenever its alarm comes: sending the tasks
// in its ledger (again, until a consumer claims them), failing the ones nobody claims,
// flushing its outbox to D1, telling its gates it finished and performing its duties.
// All of it works from the records a transition wrote (effects.ts), is idempotent, and is
// retried by the alarm until done.
import { isAwaitingTask, isRunFinished } from "../core/engine";
import type { RunEvent } from "../core/engine/events";
import type { IntentLock } from "../durable/intent-lock";
import type { RunRpc } from "../durable/run-stub";
import { performDuty, type DutyContext } from "./duty-work";
import type { OutboxFlusher } from "./outbox-flush";
import type { RunRecords } from "./records";
import { queueBatches } from "./task-ledger";
import type { Saved, Transitions } from "./transitions";
import type { WakeUp } from "./wake-up";

/** How long a dispatched task may go unclaimed before its attempt fails as `delivery_failed`. */
const UNCLAIMED_LIMIT_MS = 10 * 60_000;

/** What the run's duties call back into the run with (its RPC methods, which take its lock). */
type RunCallbacks = Pick<RunRpc, "deliverEvent" | "childFinished">;

export interface BackgroundParts {
  ctx: DurableObjectState;
  env: Env;
  run: RunRecords;
  transitions: Transitions;
  outbox: OutboxFlusher;
  wakeUp: WakeUp;
  /** The shell's lock: each intent runs alone. */
  lock: IntentLock;
  callbacks: RunCallbacks;
}

export class Background {
  private releasing: Promise<void> | undefined;
  private dutying: Promise<void> | undefined;

  constructor(private readonly parts: BackgroundParts) {}

  /** Sends the tasks the transition recorded (after the state that expects them is saved) and flushes the outbox in the background when it is urgent. */
  async perform(saved: Saved): Promise<void> {
    const { ctx, run, outbox } = this.parts;
    if (saved.dispatched) await this.sendDueTasks();
    if (outbox.isUrgent()) ctx.waitUntil(this.flush().then(() => this.performDuties()));
    else if (run.duties.hasAny()) ctx.waitUntil(this.performDuties());
    // In the background, never under the lock: the gate may be calling this run (or the next) meanwhile.
    if (run.gates.hasOwed()) ctx.waitUntil(this.releaseGates());
  }

  /**
   * Everything due: a start, timers, unclaimed tasks, the outbox, gates and duties. Work that
   * throws never strands the run: the alarm is set again shortly and the work, idempotent, redone.
   */
  async doWhatIsDue(): Promise<void> {
    const { run, lock, wakeUp } = this.parts;
    try {
      await lock.run(async () => {
        if (run.isStartingSoon()) await this.apply({ type: "start" });
        if (run.state && !isRunFinished(run.state)) await this.apply({ type: "timers_due" });
        await this.giveUpUnclaimedTasks();
        await this.sendDueTasks();
      });
      await this.releaseGates();
      await this.flush();
      await this.performDuties();
      wakeUp.arm();
    } catch (error) {
      console.error(`run ${run.state?.id ?? "?"}: alarm work failed; trying again shortly`, error);
      wakeUp.retrySoon();
    }
  }

  /**
   * Sends every unclaimed task that is due, in batches the queue accepts; a batch that
   * fails is tried again shortly, one that went out is sent again until a consumer claims
   * it. Tasks the run no longer waits for are dropped.
   */
  private async sendDueTasks(): Promise<void> {
    const { run, env } = this.parts;
    const state = run.state;
    if (!state) return;
    const now = Date.now();
    const due = run.tasks.due(now);
    const stale = due.filter((task) => !isAwaitingTask(state, task));
    if (stale.length > 0)
      run.transaction(() => {
        for (const task of stale) run.tasks.remove(task);
      });
    const batches = queueBatches(due.filter((task) => isAwaitingTask(state, task)));
    await Promise.all(
      batches.map(async (batch) => {
        try {
          await env.TASKS.sendBatch(batch.map((task) => ({ body: task.message, contentType: "json" as const })));
          run.tasks.markSent(batch, Date.now());
        } catch (error) {
          console.error(`run ${state.id}: sending ${batch.length} tasks failed; trying again shortly`, error);
          run.tasks.markUnsent(batch, Date.now());
        }
      }),
    );
    this.parts.wakeUp.arm();
  }

  /**
   * A task no consumer claimed in UNCLAIMED_LIMIT_MS (the queue refuses it, or nothing
   * consumes it) fails its step as `delivery_failed`, as a dead-lettered one does, instead
   * of the run waiting for ever.
   */
  private async giveUpUnclaimedTasks(): Promise<void> {
    const { run } = this.parts;
    const now = Date.now();
    for (const task of run.tasks.due(now)) {
      if (now - task.recordedAt < UNCLAIMED_LIMIT_MS || !run.state) continue;
      const error = {
        code: "delivery_failed",
        message: `no consumer took the task in ${UNCLAIMED_LIMIT_MS / 60_000} minutes`,
        retryable: false,
      };
      const { stepId, attempt } = task;
      const drop = () => run.tasks.remove(task);
      if (task.stepType === "notify") run.transaction(drop);
      else if (task.stepType === "triage")
        await this.apply({ type: "triage_decided", stepId, attempt, outcome: { ok: false, error } }, drop);
      else await this.apply({ type: "step_failed", stepId, attempt, error }, drop);
    }
  }

  private async releaseGates(): Promise<void> {
    const { run, env } = this.parts;
    if (!run.state) return;
    this.releasing ??= run.gates.release(env, run.state.id).finally(() => (this.releasing = undefined));
    await this.releasing;
    this.parts.wakeUp.arm();
  }

  private async flush(): Promise<void> {
    await this.parts.outbox.flush();
    this.parts.wakeUp.arm();
  }

  /** Performs what the run owes others, outside the lock (they may call back into this run). */
  private async performDuties(): Promise<void> {
    const { run, env, callbacks } = this.parts;
    if (!run.state || !run.duties.hasAny()) return;
    this.dutying ??= (async () => {
      // Duties owed while this pass runs get their turn too; each is tried once per pass.
      const tried = new Set<string>();
      const context: DutyContext = {
        env,
        state: run.state!,
        definition: run.definition!,
        releaseGates: async () => (await this.releaseGates(), !run.gates.hasOwed()),
        outboxFlushed: () => !run.storage.hasOutbox(),
        deliverEvent: (delivery) => callbacks.deliverEvent(delivery),
        childFinished: (report) => callbacks.childFinished(report),
      };
      for (let next = this.untried(tried); next; next = this.untried(tried)) {
        tried.add(next.key);
        if (await performDuty(next, { ...context, state: run.state! })) run.duties.settle(next.key);
      }
    })().finally(() => (this.dutying = undefined));
    await this.dutying;
    this.parts.wakeUp.arm();
  }

  /** Load → transition → save, then perform (under the lock, like every intent). */
  private async apply(event: RunEvent, alsoWrite?: () => void): Promise<void> {
    await this.perform(await this.parts.transitions.apply(event, alsoWrite));
  }

  private untried(tried: Set<string>) {
    return this.parts.run.duties.list().find((duty) => !tried.has(duty.key));
  }
}
