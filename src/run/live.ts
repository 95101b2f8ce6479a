// Live updates of a run over WebSockets, using the Durable Object hibernation API: the
// object may sleep between transitions without dropping its listeners. A listener gets a
// snapshot when it connects, then one message per transition with the steps that changed.
import type { RunState } from "../core/engine/run-state";
import { toRunView, toStepView, type RunView, type StepView } from "../core/engine/run-view";

type LiveMessage =
  | { type: "snapshot"; run: RunView }
  | { type: "update"; run: Omit<RunView, "steps">; steps: StepView[] };

/** Accepts a WebSocket upgrade for this run and greets the listener with a snapshot. */
export function acceptListener(ctx: DurableObjectState, state: RunState): Response {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  ctx.acceptWebSocket(server);
  server.send(JSON.stringify({ type: "snapshot", run: toRunView(state) } satisfies LiveMessage));
  return new Response(null, { status: 101, webSocket: client });
}

/** Tells every listener what a transition changed; a listener that cannot be reached is dropped. */
export function broadcastChanges(ctx: DurableObjectState, before: RunState, after: RunState): void {
  const sockets = ctx.getWebSockets();
  if (sockets.length === 0) return;
  // Items of maps show through their map's counts, like in the run view.
  const changed = Object.values(after.steps).filter((step) => !step.item && before.steps[step.id] !== step);
  const { steps: _steps, ...run } = toRunView({ ...after, steps: {} });
  const message = JSON.stringify({ type: "update", run, steps: changed.map(toStepView) } satisfies LiveMessage);
  for (const socket of sockets) {
    try {
      socket.send(message);
    } catch {
      socket.close(1011, "send failed");
    }
  }
}
