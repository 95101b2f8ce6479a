// How the edge, the consumer, gates and other runs reach a run: its Durable Object is named
// by the run id. RunCoordinator (src/run/coordinator.ts) implements this interface, so the
// callers depend on the contract here and not on the object's code.
import type { TaskKey } from "../core/engine/effects";
import type { RunView } from "../core/engine/run-view";
import type {
  ApprovalDecisionCommand,
  ApprovalRequestResult,
  ChildReport,
  CommandResult,
  EventDelivery,
  EventDeliveryAnswer,
  ItemQuery,
  MapItemPage,
  ReportAnswer,
  ReportHandoff,
  RerunPlan,
  StartCommand,
  TaskReport,
} from "./run-commands";

export interface RunRpc {
  /** Creates and starts the run; a repeated start returns the existing run. */
  start(command: StartCommand): Promise<RunView>;
  /** Creates the run to start from its alarm right after; a repeated accept changes nothing. */
  accept(command: StartCommand): Promise<RunView>;
  /** Creates the run, queued, for its gate to start. */
  create(command: StartCommand): Promise<RunView>;
  startQueued(): Promise<RunView | null>;
  replaceQueuedInput(input: unknown): Promise<CommandResult>;
  /** A task's outcome; with `handoff`, the answer may carry the run's next task, claimed for the reporter. */
  report(report: TaskReport, handoff?: ReportHandoff): Promise<ReportAnswer>;
  triaged(report: TaskReport): Promise<void>;
  claimTask(key: TaskKey, messageId: string): Promise<"go" | "skip">;
  wake(): Promise<void>;
  cancel(reason?: string): Promise<CommandResult>;
  redrive(): Promise<CommandResult>;
  decideApproval(command: ApprovalDecisionCommand): Promise<CommandResult>;
  approvalRequest(stepId: string, minter: { name: string; role: string }): Promise<ApprovalRequestResult>;
  deliverEvent(delivery: EventDelivery): Promise<EventDeliveryAnswer>;
  childFinished(report: ChildReport): Promise<void>;
  purge(): Promise<{ purged: boolean; reason?: string }>;
  getRun(): Promise<RunView | null>;
  listItems(stepId: string, query: ItemQuery): Promise<MapItemPage>;
  rerunPlan(fromStep?: string): Promise<RerunPlan>;
  /** Live updates: a WebSocket upgrade. */
  fetch(request: Request): Promise<Response>;
}

export function runStub(env: Env, runId: string): RunRpc {
  return env.RUNS.get(env.RUNS.idFromName(runId)) as unknown as RunRpc;
}
