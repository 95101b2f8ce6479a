// Per-workflow flow control (concurrency, rate limit, debounce), pure: the
// WorkflowGate Durable Object feeds a gate its events and performs the starts it decides.
export * from "./types";
export { decideGate, emptyGate, gateWakeAt, START_RETRY_MS } from "./gate";
export { hasFlowControl, planGates } from "./stages";
