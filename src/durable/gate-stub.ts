// How the edge, the runs and other gates reach a gate: its Durable Object is named
// `<workflowId>[:<sha256 of the key value>][#<rules>]` (see core/flow-control/stages.ts).
// WorkflowGate (src/gate/workflow-gate.ts) implements this interface.
import type { GateState } from "../core/flow-control";
import type { AdmitAnswer, AdmitRequest } from "./gate-commands";

export interface GateRpc {
  admit(request: AdmitRequest): Promise<AdmitAnswer>;
  release(runId: string): Promise<void>;
  inspect(): Promise<GateState>;
}

export function gateStub(env: Env, name: string): GateRpc {
  return env.GATES.get(env.GATES.idFromName(name)) as unknown as GateRpc;
}
