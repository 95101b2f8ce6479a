// The pure run engine: the RunCoordinator Durable Object feeds it events and
// performs the effects it returns. Nothing here does I/O or reads the clock.
export * from "./run-state";
export * from "./item-store";
export * from "./events";
export * from "./effects";
export { transition } from "./transition";
export { createRunState, planRerun, type RunInit } from "./create";
export { nextWakeAt, timerKey } from "./timers";
export { approvalRefusal, DEFAULT_APPROVAL_LINK_MS } from "./approval";
export { itemKey } from "./item-key";
export { isAwaitingTask } from "./awaiting";
export { ACTIVE_STEP_STATUSES, isRunFinished } from "./draft";
export { isRedrivable } from "./redrive";
