// Drives one gate through the pure flow-control core the way the WorkflowGate object does:
// admit runs, answer starts, release runs, move a fake clock and tick. Every state is
// deep-frozen before it goes in, so a decision that mutated its input would throw.
import {
  decideGate,
  emptyGate,
  gateWakeAt,
  type GateDecision,
  type GateEvent,
  type GatePolicy,
  type GateState,
} from "../../../src/core/flow-control";

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export class GateHarness {
  state: GateState;
  now = T0;
  /** The latest decision. */
  decision: GateDecision = { state: emptyGate(), actions: [] };

  constructor(readonly policy: GatePolicy) {
    this.state = emptyGate(policy);
  }

  send(event: GateEvent): GateDecision {
    this.decision = decideGate(deepFreeze(this.state), event, this.now);
    this.state = this.decision.state;
    return this.decision;
  }

  admit(runId: string, options: { debounce?: boolean } = {}): GateDecision {
    return this.send({ type: "admit", runId, policy: this.policy, next: [], ...options });
  }

  release(runId: string): GateDecision {
    return this.send({ type: "release", runId });
  }

  /** Acknowledges a start, as the run answers it. */
  accept(runId: string): GateDecision {
    return this.send({ type: "start_answered", runId, answer: "accepted" });
  }

  /** Admits runs and acknowledges every start they cause. */
  admitAll(...runIds: string[]): string[] {
    return runIds.flatMap((runId) => this.startedBy(this.admit(runId)));
  }

  tick(): GateDecision {
    return this.send({ type: "tick" });
  }

  /** Moves the clock to `at` (ms after T0). */
  at(offsetMs: number): this {
    this.now = T0 + offsetMs;
    return this;
  }

  /** The ids a decision starts, each start acknowledged. */
  startedBy(decision: GateDecision): string[] {
    const ids = decision.actions.map((action) => action.runId);
    for (const id of ids) this.accept(id);
    return ids;
  }

  waiting(): string[] {
    return this.state.waiting.map((run) => run.runId);
  }

  admitted(): string[] {
    return this.state.admitted.map((run) => run.runId);
  }

  wakeAt(): number | undefined {
    return gateWakeAt(this.state, this.now);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}
