// Feeding the queue consumer by hand: a batch built with createMessageBatch goes through
// the Worker's own `queue` handler, and getQueueResult tells what it acked or retried.
// The outside world is answered by a fetch spy: the consumer runs in this isolate, so
// spying on globalThis.fetch intercepts its requests without a server or open ports.
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult } from "cloudflare:test";
import { vi } from "vitest";
import worker from "../../../src/index";

const TASK_QUEUE = "waymark-tasks";
export const DEAD_LETTER_QUEUE = "waymark-tasks-dlq";

let nextMessage = 0;

export interface Delivery {
  result: QueueResult;
  /** The message ids, in the order the bodies were given. */
  ids: string[];
  /** `delaySeconds` of each retried message, by id (getQueueResult of plugin 1.5.0 drops it). */
  retryDelays: Record<string, number | undefined>;
}

export interface DeliverOptions {
  queue?: string;
  /** Deliveries so far, including this one (what `message.attempts` says). */
  attempts?: number;
  /** Bindings the handler sees; the test's own by default. */
  env?: Env;
  /** Message ids, in the order of the bodies: a redelivery keeps its message's id. New ones by default. */
  ids?: string[];
}

export async function deliver(bodies: unknown[], options: DeliverOptions = {}): Promise<Delivery> {
  const messages = bodies.map((body, i) => ({
    id: options.ids?.[i] ?? `msg-${++nextMessage}`,
    timestamp: new Date(),
    attempts: options.attempts ?? 1,
    body,
  }));
  const batch = createMessageBatch(options.queue ?? TASK_QUEUE, messages);
  const retryDelays: Record<string, number | undefined> = {};
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (retryOptions) => {
      retryDelays[message.id] = retryOptions?.delaySeconds;
      retry(retryOptions);
    };
  }
  const ctx = createExecutionContext();
  const queue: ExportedHandlerQueueHandler<Env, unknown> = worker.queue;
  await queue(batch, options.env ?? env, ctx);
  return { result: await getQueueResult(batch, ctx), ids: messages.map((message) => message.id), retryDelays };
}

/** Answers every outgoing fetch with `respond`; returns the spy (restore with vi.restoreAllMocks). */
export function answerFetch(respond: (request: Request) => Response | Promise<Response>) {
  return vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => respond(new Request(input, init)));
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}
