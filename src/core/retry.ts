// Retry policy as validated data, and the arithmetic of waiting between attempts.
// Pure: jitter comes from a hash of the run, step and attempt, never from Math.random,
// so replaying a transition computes the same delay.
import { z } from "zod";
import { durationSchema, parseDuration } from "./duration";

const BACKOFF_KINDS = ["exponential", "linear", "fixed"] as const;
type BackoffKind = (typeof BACKOFF_KINDS)[number];

/** What a definition may write; unset fields take the step type's defaults. */
export const retryPolicySchema = z
  .strictObject({
    attempts: z.int().min(1).max(100).optional().meta({ description: "Total attempts, including the first" }),
    backoff: z.enum(BACKOFF_KINDS).optional(),
    delay: durationSchema.optional().meta({ description: "Delay before the second attempt" }),
    maxDelay: durationSchema.optional().meta({ description: "Upper bound of any delay, Retry-After included" }),
    jitter: z.boolean().optional().meta({
      description:
        "Equal jitter: each delay lies between half and all of its backoff value, derived deterministically from run, step and attempt",
    }),
  })
  .meta({ id: "RetryPolicy" });

export type RetryPolicyInput = z.infer<typeof retryPolicySchema>;

/** A policy with every default filled in, durations in milliseconds. */
export interface RetryPolicy {
  attempts: number;
  backoff: BackoffKind;
  delayMs: number;
  maxDelayMs: number;
  jitter: boolean;
}

export interface NextDelayOptions {
  /** The server's Retry-After, in ms: the delay is at least this, still capped at maxDelay. */
  retryAfterMs?: number;
  /** Seeds the jitter; use `jitterSeed(runId, stepId, attempt)`. */
  jitterSeed: string;
}

// Steps that talk to the outside world fail transiently; the rest fail the same way again.
const RETRIED_BY_DEFAULT = new Set(["http", "llm", "retrieve"]);
const DEFAULT_ATTEMPTS = 3;
const DEFAULT_DELAY = "1s";
const DEFAULT_MAX_DELAY = "5m";

/** The step's policy with the defaults of its type: I/O steps (http, llm, retrieve) 3 attempts, others 1. */
export function resolveRetryPolicy(step: { type: string; retry?: RetryPolicyInput }): RetryPolicy {
  const retry = step.retry ?? {};
  return {
    attempts: retry.attempts ?? (RETRIED_BY_DEFAULT.has(step.type) ? DEFAULT_ATTEMPTS : 1),
    backoff: retry.backoff ?? "exponential",
    delayMs: parseDuration(retry.delay ?? DEFAULT_DELAY),
    maxDelayMs: parseDuration(retry.maxDelay ?? DEFAULT_MAX_DELAY),
    jitter: retry.jitter ?? true,
  };
}

/** True when the attempt numbered `failedAttempt` (1-based) may be followed by another. */
export function hasAttemptsLeft(policy: RetryPolicy, failedAttempt: number): boolean {
  return failedAttempt < policy.attempts;
}

/**
 * Milliseconds to wait after attempt `failedAttempt` (1-based) failed.
 * Backoff: exponential delay·2^(n-1), linear delay·n, fixed delay; capped at maxDelay.
 * Jitter (equal jitter) keeps half of that and adds a seeded fraction of the other half,
 * so retries of many runs spread out but never come sooner than half the backoff.
 * Retry-After raises the delay to at least its value, and maxDelay caps the result.
 */
export function nextDelayMs(policy: RetryPolicy, failedAttempt: number, options: NextDelayOptions): number {
  const capped = Math.min(backoffMs(policy, failedAttempt), policy.maxDelayMs);
  const jittered = policy.jitter ? capped / 2 + (capped / 2) * jitterFraction(options.jitterSeed) : capped;
  const honoured = Math.max(jittered, options.retryAfterMs ?? 0);
  return Math.round(Math.min(honoured, policy.maxDelayMs));
}

function backoffMs(policy: RetryPolicy, failedAttempt: number): number {
  const n = Math.max(1, failedAttempt);
  switch (policy.backoff) {
    case "exponential":
      return policy.delayMs * 2 ** (n - 1);
    case "linear":
      return policy.delayMs * n;
    case "fixed":
      return policy.delayMs;
  }
}

/** The seed string the engine uses for one attempt's jitter. */
export function jitterSeed(runId: string, stepId: string, attempt: number): string {
  return `${runId}:${stepId}:${attempt}`;
}

/** A fraction in [0, 1) from a string: 32-bit FNV-1a over its UTF-16 code units. */
export function jitterFraction(seed: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    hash ^= seed.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}

/** Statuses worth another attempt: 408, 425, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599);
}
