// How the edge and the consumer reach a run: its Durable Object is named by the run id.
// RPC results are typed as the coordinator's plain return values.
import type { RunCoordinator } from "./coordinator";

type Methods = Pick<
  RunCoordinator,
  | "start"
  | "create"
  | "startQueued"
  | "replaceQueuedInput"
  | "report"
  | "claimTask"
  | "accept"
  | "wake"
  | "triaged"
  | "cancel"
  | "redrive"
  | "getRun"
  | "rerunPlan"
  | "decideApproval"
  | "approvalRequest"
  | "deliverEvent"
  | "childFinished"
  | "fetch"
  | "purge"
  | "listItems"
>;

export function runStub(env: Env, runId: string): Methods {
  return env.RUNS.get(env.RUNS.idFromName(runId)) as unknown as Methods;
}
