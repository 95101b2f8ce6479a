// A gate's decisions: (state, event, now) → (state, start actions). No I/O, no clock.
// Runs wait FIFO; a run in its debounce quiet period waits without holding up the
// queue; a due run starts when a concurrency slot is free and the rate window allows.
import type {
  AdmitOutcome,
  GateDecision,
  GateEvent,
  GatePolicy,
  GateState,
  StartAction,
  StartAnswer,
  WaitingRun,
} from "./types";

/** How soon a start nobody acknowledged (the run or the next gate was unreachable) is tried again. */
export const START_RETRY_MS = 5_000;

export function emptyGate(policy: GatePolicy = {}): GateState {
  return { policy, waiting: [], admitted: [], starts: [] };
}

export function decideGate(state: GateState, event: GateEvent, now: number): GateDecision {
  switch (event.type) {
    case "admit":
      return admit(state, event, now);
    case "release":
      return pump(withoutRun(state, event.runId), now);
    case "start_answered":
      return answerStart(state, event.runId, event.answer, now);
    case "tick":
      return tick(state, now);
  }
}

/** When the gate's alarm should next fire: a quiet period ending, the rate window opening, a start to retry. */
export function gateWakeAt(state: GateState, now: number): number | undefined {
  const candidates: number[] = [];
  if (state.admitted.some((run) => !run.confirmed)) candidates.push(now + START_RETRY_MS);
  for (const run of state.waiting) if (isQuiet(run, now)) candidates.push(run.notBefore!);
  const opening = state.waiting.some((run) => !isQuiet(run, now))
    ? rateOpensAt(state.policy, state.starts, now)
    : undefined;
  if (opening !== undefined) candidates.push(opening);
  return candidates.length === 0 ? undefined : Math.min(...candidates);
}

function isKnown(state: GateState, runId: string): boolean {
  return state.waiting.some((run) => run.runId === runId) || state.admitted.some((run) => run.runId === runId);
}

function admit(state: GateState, event: Extract<GateEvent, { type: "admit" }>, now: number): GateDecision {
  if (isKnown(state, event.runId)) return { state, actions: [], outcome: { type: "known" } };
  const policy = JSON.stringify(state.policy) === JSON.stringify(event.policy) ? state.policy : event.policy;
  const debounceMs = event.debounce === false ? undefined : policy.debounceMs;
  if (debounceMs !== undefined) {
    // At most one run per gate waits out a quiet period: the newest one.
    const quiet = state.waiting.findLast((run) => isQuiet(run, now));
    if (quiet) {
      const waiting = state.waiting.map((run) => (run === quiet ? { ...run, notBefore: now + debounceMs } : run));
      return { state: { ...state, policy, waiting }, actions: [], outcome: { type: "debounced", into: quiet.runId } };
    }
  }
  const entry: WaitingRun = {
    runId: event.runId,
    queuedAt: now,
    next: event.next,
    ...(debounceMs !== undefined ? { notBefore: now + debounceMs } : {}),
  };
  const outcome: AdmitOutcome = { type: "queued" };
  return { ...pump({ ...state, policy, waiting: [...state.waiting, entry] }, now), outcome };
}

function answerStart(state: GateState, runId: string, answer: StartAnswer, now: number): GateDecision {
  const run = state.admitted.find((candidate) => candidate.runId === runId);
  if (!run) return { state, actions: [] };
  // A run that had already finished (or never existed) will send no release: free its slot now.
  if (answer !== "accepted") return pump(withoutRun(state, runId), now);
  if (run.confirmed) return { state, actions: [] };
  const admitted = state.admitted.map((candidate) => (candidate === run ? { ...run, confirmed: true } : candidate));
  return { state: { ...state, admitted }, actions: [] };
}

function tick(state: GateState, now: number): GateDecision {
  const retries: StartAction[] = state.admitted
    .filter((run) => !run.confirmed)
    .map((run) => ({ type: "start", runId: run.runId, next: run.next }));
  const pumped = pump(state, now);
  return { state: pumped.state, actions: [...retries, ...pumped.actions] };
}

/** Starts waiting runs in order while the rules allow; the first due run that may not start holds back the rest. */
function pump(state: GateState, now: number): GateDecision {
  const { policy } = state;
  let starts = startsInWindow(policy, state.starts, now);
  const waiting: WaitingRun[] = [];
  const admitted = [...state.admitted];
  const actions: StartAction[] = [];
  let held = false;
  for (const run of state.waiting) {
    if (isQuiet(run, now)) {
      waiting.push(run);
      continue;
    }
    held ||=
      (policy.concurrency !== undefined && admitted.length >= policy.concurrency) ||
      rateOpensAt(policy, starts, now) !== undefined;
    if (held) {
      waiting.push(run);
      continue;
    }
    admitted.push({ runId: run.runId, confirmed: false, next: run.next });
    if (policy.rateLimit) starts = [...starts, now];
    actions.push({ type: "start", runId: run.runId, next: run.next });
  }
  if (actions.length === 0 && starts === state.starts) return { state, actions };
  return { state: { ...state, waiting, admitted, starts }, actions };
}

function withoutRun(state: GateState, runId: string): GateState {
  if (!isKnown(state, runId)) return state;
  return {
    ...state,
    waiting: state.waiting.filter((run) => run.runId !== runId),
    admitted: state.admitted.filter((run) => run.runId !== runId),
  };
}

function isQuiet(run: WaitingRun, now: number): boolean {
  return run.notBefore !== undefined && run.notBefore > now;
}

/** The start times that still count at `now` (the same array when none dropped out). */
function startsInWindow(policy: GatePolicy, starts: number[], now: number): number[] {
  if (!policy.rateLimit) return starts.length === 0 ? starts : [];
  const from = now - policy.rateLimit.periodMs;
  return starts.length > 0 && starts[0]! <= from ? starts.filter((at) => at > from) : starts;
}

/** When the window has room for one more start again; undefined when it has room now. */
function rateOpensAt(policy: GatePolicy, starts: number[], now: number): number | undefined {
  if (!policy.rateLimit) return undefined;
  const counted = startsInWindow(policy, starts, now);
  if (counted.length < policy.rateLimit.limit) return undefined;
  return counted[counted.length - policy.rateLimit.limit]! + policy.rateLimit.periodMs;
}
