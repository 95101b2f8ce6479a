// The run's Durable Object reads the time through Date.now() in this very isolate, so a
// faked Date is the run's clock: a test moves it past a timer and fires the alarm by hand
// (runDurableObjectAlarm) instead of sleeping. Only Date is faked; real timers keep running.
import { vi } from "vitest";

/** Stops the clock at the current time; every Date.now() returns it until moved. */
export function freezeClock(): number {
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
  return Date.now();
}

/** Moves the frozen clock forward and returns the new time. */
export function advanceClock(ms: number): number {
  vi.setSystemTime(Date.now() + ms);
  return Date.now();
}

export function restoreClock(): void {
  vi.useRealTimers();
}
