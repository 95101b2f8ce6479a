// A model provider's answer that failed, carried whole: the record keeps the response body
// (for people and for triage), which a plain Retryable/NonRetryableError would drop.
import { toErrorRecord, type ErrorRecord } from "../core/errors";

export class ProviderFailure extends Error {
  constructor(readonly record: ErrorRecord) {
    super(record.message);
    this.name = "ProviderFailure";
  }
}

export function errorRecordOf(error: unknown): ErrorRecord {
  return error instanceof ProviderFailure ? error.record : toErrorRecord(error);
}
