// A run's live updates over /api/runs/{id}/live, reconnecting with backoff when the
// socket drops; each reconnection starts with a fresh snapshot, so nothing is missed.
import type { Api } from "./api";
import type { LiveMessage, RunView } from "./types";

export type LiveState = "connecting" | "live" | "offline";

export interface LiveOptions {
  onMessage: (message: LiveMessage) => void;
  onState: (state: LiveState) => void;
  /** Asked after a drop: false once the run is finished and nothing more will come. */
  shouldReconnect: () => boolean;
}

const MAX_DELAY_MS = 15_000;

export function watchRun(api: Api, runId: string, options: LiveOptions): () => void {
  let socket: WebSocket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let stopped = false;

  const connect = () => {
    options.onState("connecting");
    try {
      socket = api.openLive(runId);
    } catch {
      // A token that is not a valid subprotocol name (only the break-glass token can be): poll instead.
      options.onState("offline");
      return;
    }
    socket.addEventListener("open", () => {
      failures = 0;
      options.onState("live");
    });
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      try {
        options.onMessage(JSON.parse(event.data) as LiveMessage);
      } catch {
        // not a message of ours: ignore it
      }
    });
    socket.addEventListener("close", () => {
      if (stopped) return;
      options.onState("offline");
      if (!options.shouldReconnect()) return;
      failures += 1;
      timer = setTimeout(connect, Math.min(MAX_DELAY_MS, 500 * 2 ** failures));
    });
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close(1000, "left the page");
  };
}

/** The run after a message: a snapshot replaces it, an update replaces the steps it names. */
export function applyLiveMessage(run: RunView | undefined, message: LiveMessage): RunView | undefined {
  if (message.type === "snapshot") return message.run;
  if (!run) return undefined;
  const changed = new Map(message.steps.map((step) => [step.id, step]));
  const known = new Set(run.steps.map((step) => step.id));
  return {
    ...message.run,
    steps: [
      ...run.steps.map((step) => changed.get(step.id) ?? step),
      ...message.steps.filter((step) => !known.has(step.id)),
    ],
  };
}
