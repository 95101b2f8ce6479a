// Load → transition → save: every intent of the run is one call of the pure engine, whose
// new state is written with its effects' records (effects.ts) in one synchronous write.
// Nothing leaves the run here; the shell then performs (background.ts).
import type { Definition } from "../core/definition/schema";
import { createRunState, isAwaitingTask, isRunFinished, transition } from "../core/engine";
import type { TaskEffect, TaskKey } from "../core/engine/effects";
import type { RunEvent } from "../core/engine/events";
import type { RunState, StepState } from "../core/engine/run-state";
import type { StartCommand } from "../durable/run-commands";
import { storedForms } from "./blobs";
import { planEffects } from "./effects";
import { broadcastChanges } from "./live";
import type { RunRecords } from "./records";
import { taskToHandOff } from "./task-handoff";
import type { WakeUp } from "./wake-up";

/** What the shell performs after a transition was saved. */
export interface Saved {
  /** The transition dispatched tasks: they are in the ledger, to be sent. */
  dispatched: boolean;
  /** The queue form of the task claimed for `claimant` (task-handoff.ts), if one was. */
  handedOff: TaskEffect | null;
}

const NOTHING_SAVED: Saved = { dispatched: false, handedOff: null };

export class Transitions {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly run: RunRecords,
    private readonly wakeUp: WakeUp,
  ) {}

  /**
   * Runs the engine and saves its result, its tasks and outbox records in one synchronous
   * write (with `alsoWrite`, a change of the shell's own that must commit with it).
   */
  async apply(event: RunEvent, alsoWrite?: () => void, claimant?: string): Promise<Saved> {
    const { run } = this;
    const before = run.state;
    // A report can reach an object whose run never started (a stray message): nothing to do.
    if (!before || !run.definition) return NOTHING_SAVED;
    const now = Date.now();
    const { state, effects, handOff } = await this.step(run.definition, before, event, now, claimant);
    if (state === before && effects.length === 0) {
      if (alsoWrite) run.transaction(alsoWrite);
      return NOTHING_SAVED;
    }
    const writes = planEffects(effects, { before, state, now }, run, this.env.BLOBS);
    const [stored, tasks] = await Promise.all([storedForms(this.env.BLOBS, before, state), Promise.all(writes.tasks)]);
    const handedOff = handOff ? (tasks.find((task) => sameTask(task, handOff)) ?? null) : null;
    run.transaction(() => {
      alsoWrite?.();
      run.storage.save(before, state, stored);
      for (const task of tasks) run.tasks.record(task, now);
      if (handedOff && claimant) run.tasks.claim(handedOff, claimant);
      // A finished run waits for no task, a step that moved on for none of its old ones.
      if (isRunFinished(state)) run.tasks.erase();
      else this.dropStaleTasks(before, state);
      for (const record of writes.records) record();
    });
    run.state = state;
    this.wakeUp.arm();
    broadcastChanges(this.ctx, before, state);
    return { dispatched: writes.tasks.length > (handedOff ? 1 : 0), handedOff };
  }

  /**
   * The engine's answer to `event`; with a `claimant`, the one task it dispatched is claimed
   * in the same step (its deadline starts), to be handed over rather than sent.
   */
  private async step(definition: Definition, before: RunState, event: RunEvent, now: number, claimant?: string) {
    const items = this.run.storage.items;
    const result = await transition(definition, before, event, now, items);
    const handOff = claimant ? taskToHandOff(result.effects, result.state) : null;
    if (!handOff) return { ...result, handOff: null };
    const { stepId, attempt, timeoutMs } = handOff;
    const claim: RunEvent = { type: "task_claimed", stepId, attempt, timeoutMs };
    const claimed = await transition(definition, result.state, claim, now, items);
    // The engine starts the deadline of a task it waits for; were it to refuse, the task is sent as usual.
    if (claimed.state === result.state) return { ...result, handOff: null };
    return { state: claimed.state, effects: [...result.effects, ...claimed.effects], handOff };
  }

  /** Writes a new run (queued, not started); with `alsoWrite`, a change that must commit with it. */
  async create(command: StartCommand, alsoWrite?: () => void): Promise<void> {
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
    this.run.transaction(() => {
      this.run.storage.create(definition, state, stored);
      this.appendEntries(command);
      this.run.gates.remember(command.gates ?? []);
      alsoWrite?.();
    });
    this.run.definition = definition;
    this.run.state = state;
  }

  /** Records a command's audit entries for a run that exists already. */
  record(command: StartCommand): Saved {
    this.run.transaction(() => this.appendEntries(command));
    return NOTHING_SAVED;
  }

  /** The command's audit-log rows, naming this run, to the outbox (in the caller's transaction). */
  private appendEntries(command: StartCommand): void {
    for (const entry of command.auditEntries ?? [])
      this.run.storage.appendOutbox("entry", { ...entry, runId: entry.runId ?? command.runId });
  }

  /** A queued run takes a new input (debounce); the caller checked that it is queued. */
  async replaceInput(definition: Definition, queued: RunState, input: unknown): Promise<RunState> {
    const state: RunState = { ...queued, input };
    this.run.storage.create(definition, state, await storedForms(this.env.BLOBS, undefined, state));
    this.run.state = state;
    return state;
  }

  /** Unclaimed tasks of the steps this transition changed that the run no longer waits for. */
  private dropStaleTasks(before: RunState, after: RunState): void {
    for (const [id, step] of Object.entries(before.steps)) {
      if (after.steps[id] === step) continue;
      for (const task of this.run.tasks.ofStep(id)) if (!isAwaitingTask(after, task)) this.run.tasks.remove(task);
    }
  }
}

function sameTask(a: TaskKey, b: TaskKey): boolean {
  return a.stepId === b.stepId && a.attempt === b.attempt && a.stepType === b.stepType;
}
