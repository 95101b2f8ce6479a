// Errors at the edge: each AppError has a stable code and an HTTP status, and
// becomes an RFC 9457 problem+json body in exactly one place (on-error.ts).

const PROBLEM_TITLES = {
  bad_request: "Bad request",
  unauthorized: "Unauthorized",
  forbidden: "Forbidden",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  invalid_state: "Invalid state",
  idempotency_in_flight: "Idempotency key in flight",
  workflow_disabled: "Workflow disabled",
  link_expired: "Link expired",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  validation_failed: "Validation failed",
  idempotency_conflict: "Idempotency key reused with a different request",
  rate_limited: "Too many requests",
  internal: "Internal error",
  unavailable: "Service unavailable",
  upgrade_required: "Upgrade required",
} as const;

export type ProblemCode = keyof typeof PROBLEM_TITLES;

const STATUS_BY_CODE: Record<ProblemCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  invalid_state: 409,
  idempotency_in_flight: 409,
  workflow_disabled: 409,
  link_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  idempotency_conflict: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  upgrade_required: 426,
};

/** One thing wrong with a request or a definition, where it is and what is wrong. */
export interface Issue {
  /** Dotted path with [index], relative to the body (or definition) root; "" for the root. */
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  issues?: Issue[];
  instance?: string;
}

export class AppError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly issues?: Issue[];
  /** Seconds, for 429 and 503 answers. */
  readonly retryAfter?: number;
  constructor(code: ProblemCode, detail: string, options: { issues?: Issue[]; retryAfter?: number } = {}) {
    super(detail);
    this.name = "AppError";
    this.code = code;
    this.status = STATUS_BY_CODE[code];
    this.issues = options.issues;
    this.retryAfter = options.retryAfter;
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} was not found`);
export const validationFailed = (detail: string, issues: Issue[]) =>
  new AppError("validation_failed", detail, { issues });

export function toProblem(error: AppError, instance?: string): Problem {
  return {
    type: `https://waymark.dev/problems/${error.code.replaceAll("_", "-")}`,
    title: PROBLEM_TITLES[error.code],
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.issues ? { issues: error.issues } : {}),
    ...(instance ? { instance } : {}),
  };
}
