// The pure run engine: the RunCoordinator Durable Object feeds it events and
// performs the effects it returns. Nothing here does I/O or reads the clock.
export * from "./types";
export { transition } from "./transition";
export { createRunState, planRerun, type RunInit } from "./create";
export { nextWakeAt, timerKey } from "./timers";
export { buildScope } from "./scope";
export { approvalRefusal, DEFAULT_APPROVAL_LINK_MS, type ApprovalDecision } from "./approval";
export { MAX_RUN_DEPTH, runDepth } from "./child-run";
export { resolveStep } from "./step-catalog";
export { itemKey, parseItemKey } from "./item-key";
export { isAwaitingTask } from "./awaiting";
export { ACTIVE_STEP_STATUSES, isRunFinished } from "./draft";
export { isRedrivable } from "./redrive";
