// The other side of the wire: an SDK starting runs through the API and a provider
// delivering webhooks, each asking again with the same key and body until Waymark
// acknowledges, as real ones do. Every answer is kept for the checks.
import type { Random } from "./random.ts";
import { DELIVERY_ID_HEADER, type ChaosWorkflow } from "./flows.ts";

type TriggerKind = "api" | "webhook";
/** first: until acknowledged; redelivery: a provider's repeat of an acknowledged delivery; final: the check after settling. */
export type AskPhase = "first" | "redelivery" | "final";

export interface Answer {
  phase: AskPhase;
  /** 0 when the sender gave up without any HTTP answer. */
  status: number;
  runId: string | null;
  /** API: `Idempotent-Replayed: true`; webhook: `duplicate: true` in the body. */
  repeat: boolean;
  /** The problem's `code` of a non-2xx answer. */
  code: string | null;
  /** The sender stopped asking because the deadline came first. */
  gaveUp: boolean;
}

export interface Trigger {
  kind: TriggerKind;
  workflow: ChaosWorkflow;
  /** The Idempotency-Key, or the delivery id. */
  id: string;
  body: string;
  /** The answer each ask ended with, in order. */
  answers: Answer[];
  /** Requests asked again, by reason (`network`, a status, `409 idempotency_in_flight`). */
  retried: Record<string, number>;
}

export interface SendTarget {
  url: string;
  /** An operator token, as an SDK would hold. */
  apiToken: string;
  hookToken: string;
  /** No ask starts a wait that ends after this (ms since the epoch). */
  giveUpAt: () => number;
  random: Random;
}

const REQUEST_TIMEOUT_MS = 30_000;
const BACKOFF_MS = { first: 200, max: 2_000 };

export const acknowledgement = (trigger: Trigger): Answer | undefined =>
  trigger.answers.find((answer) => answer.phase === "first" && isSuccess(answer.status));

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** Asks until a 2xx, an answer this sender would not retry, or the deadline; records and returns the last answer. */
export async function ask(target: SendTarget, trigger: Trigger, phase: AskPhase): Promise<Answer> {
  let last: Answer = { phase, status: 0, runId: null, repeat: false, code: null, gaveUp: false };
  for (let attempt = 1; ; attempt++) {
    let retryAfterMs: number | null = null;
    let reason = "network";
    try {
      const response = await send(target, trigger);
      last = await readAnswer(trigger.kind, phase, response);
      if (isSuccess(last.status)) break;
      const retryable = retryReason(trigger.kind, phase, last);
      if (retryable === null) break;
      reason = retryable;
      retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    } catch {
      // refused, reset or timed out: the process is down or was killed mid-request
    }
    trigger.retried[reason] = (trigger.retried[reason] ?? 0) + 1;
    const delay = retryAfterMs ?? backoffMs(attempt, target.random);
    if (Date.now() + delay > target.giveUpAt()) {
      last = { ...last, gaveUp: true };
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  trigger.answers.push(last);
  return last;
}

function send(target: SendTarget, trigger: Trigger): Promise<Response> {
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  if (trigger.kind === "api") {
    return fetch(`${target.url}/api/workflows/${trigger.workflow}/runs`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${target.apiToken}`,
        "content-type": "application/json",
        "idempotency-key": trigger.id,
      },
      body: trigger.body,
      signal,
    });
  }
  return fetch(`${target.url}/hooks/${trigger.workflow}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-webhook-token": target.hookToken,
      [DELIVERY_ID_HEADER]: trigger.id,
    },
    body: trigger.body,
    signal,
  });
}

async function readAnswer(kind: TriggerKind, phase: AskPhase, response: Response): Promise<Answer> {
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // not JSON: no run id, no code
  }
  const run = body.run as { id?: unknown } | undefined;
  const runId = kind === "api" ? run?.id : body.runId;
  return {
    phase,
    status: response.status,
    runId: typeof runId === "string" ? runId : null,
    repeat: kind === "api" ? response.headers.get("idempotent-replayed") === "true" : body.duplicate === true,
    code: typeof body.code === "string" ? body.code : null,
    gaveUp: false,
  };
}

/**
 * Why this answer is asked again, or null to stop. A provider redelivers until it gets a 2xx;
 * an SDK retries 5xx, 429 and an idempotency key still in flight, and stops at other 4xx.
 * After settling nothing may still be in flight: a final 409 is kept as the answer.
 */
function retryReason(kind: TriggerKind, phase: AskPhase, answer: Answer): string | null {
  if (kind === "webhook" || answer.status >= 500 || answer.status === 429) return String(answer.status);
  if (answer.status === 409 && answer.code === "idempotency_in_flight" && phase !== "final")
    return "409 idempotency_in_flight";
  return null;
}

function parseRetryAfter(value: string | null): number | null {
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** Exponential with equal jitter: 100–200 ms, then up to 1–2 s. */
function backoffMs(attempt: number, random: Random): number {
  const full = Math.min(BACKOFF_MS.max, BACKOFF_MS.first * 2 ** (attempt - 1));
  return full / 2 + random.next() * (full / 2);
}
