// Timers are data: the shell persists them and multiplexes them onto one alarm.
import type { RunState, Timer } from "./run-state";

/** One timer per kind and step: setting a timer again replaces the previous one. */
export function timerKey(timer: Pick<Timer, "kind" | "stepId">): string {
  return `${timer.kind}:${timer.stepId ?? "run"}`;
}

/** When the alarm should next fire, or undefined when nothing is scheduled. */
export function nextWakeAt(state: RunState): number | undefined {
  let earliest: number | undefined;
  for (const timer of Object.values(state.timers)) {
    if (earliest === undefined || timer.at < earliest) earliest = timer.at;
  }
  return earliest;
}

/** Timers with `at <= now`, earliest first (ties by key, so the order is deterministic). */
export function dueTimers(state: RunState, now: number): Array<[string, Timer]> {
  return Object.entries(state.timers)
    .filter(([, timer]) => timer.at <= now)
    .sort(([keyA, a], [keyB, b]) => a.at - b.at || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0));
}
