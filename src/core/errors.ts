// The small set of errors Waymark speaks. Errors cross RPC and queues as plain
// `{code, message, retryable}` records and are matched by code, never by class.

/** How a failure travels between the consumer, the run and the API. */
export interface ErrorRecord {
  code: string;
  message: string;
  retryable: boolean;
  /** Server-requested delay before the next attempt (Retry-After), in ms. */
  retryAfterMs?: number;
  /** HTTP status of the response that failed, when there was one. */
  httpStatus?: number;
  /** The expression that failed, for expression errors. */
  expression?: string;
  /** The HTTP response that failed the step, body truncated to 4 KiB, for people and triage to read. */
  response?: { status: number; headers: Record<string, string>; body: unknown };
}

/** A failure worth trying again (network, timeout, 408/425/429/5xx). */
export class RetryableError extends Error {
  readonly code: string;
  readonly retryAfterMs?: number;
  readonly httpStatus?: number;
  constructor(code: string, message: string, options: { retryAfterMs?: number; httpStatus?: number } = {}) {
    super(message);
    this.name = "RetryableError";
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.httpStatus = options.httpStatus;
  }
}

/** A failure that will fail the same way again (4xx, expression and validation errors). */
export class NonRetryableError extends Error {
  readonly code: string;
  readonly httpStatus?: number;
  readonly expression?: string;
  constructor(code: string, message: string, options: { httpStatus?: number; expression?: string } = {}) {
    super(message);
    this.name = "NonRetryableError";
    this.code = code;
    this.httpStatus = options.httpStatus;
    this.expression = options.expression;
  }
}

/** Turns anything thrown into the record that crosses boundaries. Unknown errors are retryable. */
export function toErrorRecord(error: unknown): ErrorRecord {
  if (error instanceof RetryableError) {
    return compact({
      code: error.code,
      message: error.message,
      retryable: true,
      retryAfterMs: error.retryAfterMs,
      httpStatus: error.httpStatus,
    });
  }
  if (error instanceof NonRetryableError) {
    return compact({
      code: error.code,
      message: error.message,
      retryable: false,
      httpStatus: error.httpStatus,
      expression: error.expression,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: "internal", message, retryable: true };
}

function compact(record: ErrorRecord): ErrorRecord {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== undefined),
  ) as unknown as ErrorRecord;
}
