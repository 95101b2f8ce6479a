// How the edge, the runs and other gates reach a gate: its Durable Object is named
// `<workflowId>[:<sha256 of the key value>][#<rules>]` (see core/flow-control/stages.ts).
import type { WorkflowGate } from "./workflow-gate";

type Methods = Pick<WorkflowGate, "admit" | "release" | "inspect">;

export function gateStub(env: Env, name: string): Methods {
  return env.GATES.get(env.GATES.idFromName(name)) as unknown as Methods;
}
