// Drives one run through the pure engine the way the RunCoordinator will: start it,
// deliver task reports, move a fake clock and fire `timers_due`. No workerd, no real
// timers, no mocks. Every state is deep-frozen before it goes in, so a transition that
// mutated its input would throw.
import { definitionSchema, type Definition } from "../../../src/core/definition/schema";
import type { ErrorRecord } from "../../../src/core/errors";
import {
  createRunState,
  nextWakeAt,
  transition,
  type Effect,
  type MapItemRecord,
  type MapItemStore,
  type RunEvent,
  type RunInit,
  type RunState,
  type StepState,
  type TaskEffect,
  type TransitionResult,
} from "../../../src/core/engine";

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export class RunHarness {
  readonly definition: Definition;
  state: RunState;
  now: number;
  /** Effects of the latest transition. */
  effects: Effect[] = [];
  /** The latest transition's input and output, for identity checks. */
  previous?: RunState;
  /** The run's item store, kept from the effects the way the shell keeps it. */
  readonly items = new MemoryItemStore();
  /** The timeout of each step's latest dispatched task, which a claim starts. */
  private readonly lastTimeoutMs = new Map<string, number>();

  constructor(definition: Definition, init: Partial<RunInit> = {}) {
    this.definition = deepFreeze(definitionSchema.parse(definition) as Definition);
    this.now = init.createdAt ?? T0;
    this.state = createRunState(this.definition, {
      id: "run_1",
      workflow: this.definition.id,
      version: 1,
      trigger: { type: "api" },
      input: {},
      createdAt: this.now,
      ...init,
    });
  }

  /** Sends one event at the current time. */
  async send(event: RunEvent): Promise<TransitionResult> {
    this.previous = deepFreeze(this.state);
    const result = await transition(this.definition, this.previous, event, this.now, this.items);
    this.state = result.state;
    this.effects = result.effects;
    this.items.apply(result.effects);
    for (const task of this.dispatched()) this.lastTimeoutMs.set(task.stepId, task.timeoutMs);
    return result;
  }

  start(): Promise<TransitionResult> {
    return this.send({ type: "start" });
  }

  /** Reports success of the step's current attempt (or of `attempt`). */
  complete(
    stepId: string,
    output: unknown = {},
    options: { attempt?: number; httpStatus?: number } = {},
  ): Promise<TransitionResult> {
    const attempt = options.attempt ?? this.attemptOf(stepId);
    return this.send({ type: "step_completed", stepId, attempt, output, httpStatus: options.httpStatus });
  }

  /** Reports failure of the step's current attempt; retryable unless said otherwise. */
  fail(
    stepId: string,
    error: Partial<ErrorRecord> = {},
    options: { attempt?: number } = {},
  ): Promise<TransitionResult> {
    const attempt = options.attempt ?? this.attemptOf(stepId);
    const record: ErrorRecord = { code: "http_status", message: "503", retryable: true, ...error };
    return this.send({ type: "step_failed", stepId, attempt, error: record });
  }

  /** A consumer claims the task of the step's current attempt (every task of the latest transition without a step): its deadline starts. */
  async claim(stepId?: string): Promise<void> {
    const tasks = stepId === undefined ? this.dispatched() : [{ stepId, attempt: this.attemptOf(stepId) }];
    for (const task of tasks) {
      const timeoutMs = this.lastTimeoutMs.get(task.stepId);
      if (timeoutMs === undefined) throw new Error(`no task of ${task.stepId} was dispatched`);
      await this.send({ type: "task_claimed", stepId: task.stepId, attempt: task.attempt, timeoutMs });
    }
  }

  /** Moves the clock and, like the alarm, fires `timers_due` when a timer is due. */
  async advanceBy(ms: number): Promise<TransitionResult | undefined> {
    this.now += ms;
    const wake = nextWakeAt(this.state);
    if (wake === undefined || wake > this.now) return undefined;
    return this.send({ type: "timers_due" });
  }

  /** Jumps to the earliest timer and fires it. */
  async fireNextTimer(): Promise<TransitionResult> {
    const wake = nextWakeAt(this.state);
    if (wake === undefined) throw new Error("no timer is scheduled");
    this.now = Math.max(this.now, wake);
    return this.send({ type: "timers_due" });
  }

  step(id: string): StepState {
    const step = this.state.steps[id];
    if (!step) throw new Error(`no step ${id}`);
    return step;
  }

  attemptOf(stepId: string): number {
    return this.step(stepId).attempts.at(-1)?.n ?? 0;
  }

  dispatched(): TaskEffect[] {
    return this.effects.filter((effect): effect is TaskEffect => effect.type === "dispatch");
  }

  audits(): string[] {
    return this.effects.flatMap((effect) => (effect.type === "audit" ? [effect.action] : []));
  }

  statuses(): Record<string, string> {
    return Object.fromEntries(Object.values(this.state.steps).map((step) => [step.id, step.status]));
  }
}

/** Items of maps, in memory, with counters of what a transition read and wrote. */
class MemoryItemStore implements MapItemStore {
  readonly values = new Map<string, unknown[]>();
  readonly records = new Map<string, MapItemRecord>();
  reads = 0;
  writes = 0;

  apply(effects: readonly Effect[]): void {
    for (const effect of effects) {
      if (effect.type === "map_items_created")
        this.values.set(effect.stepId, effect.items), (this.writes += effect.items.length);
      if (effect.type === "map_item_finished")
        this.records.set(`${effect.record.map}[${effect.record.index}]`, effect.record), this.writes++;
    }
  }

  value(map: string, index: number): unknown {
    this.reads++;
    return this.values.get(map)?.[index];
  }

  record(map: string, index: number): MapItemRecord | undefined {
    this.reads++;
    return this.records.get(`${map}[${index}]`);
  }

  outputs(map: string, total: number): unknown[] {
    this.reads += total;
    return Array.from({ length: total }, (_, index) => {
      const record = this.records.get(`${map}[${index}]`);
      return record?.status === "succeeded" ? (record.output ?? null) : null;
    });
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}
