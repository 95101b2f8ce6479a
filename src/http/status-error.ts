// How any outbound call of Waymark (an http step, a model provider) reads a response it did
// not expect: an ErrorRecord with the status, whether a retry may help, and the body's start.
import type { ErrorRecord } from "../core/errors";
import { isRetryableStatus } from "../core/retry";
import { decodeText, headersToObject, parseBody, readCappedBody } from "./response-body";

/** How much of an error response is kept for people to read. */
const ERROR_RESPONSE_BYTES = 4 * 1024;

/** Every outbound request names Waymark. */
export const USER_AGENT = "Waymark/0.1";

/** An unexpected status: retryable when 408, 425, 429 or 5xx, with the start of the body for people to read. */
export async function readStatusError(response: Response, now: number): Promise<ErrorRecord> {
  const { status } = response;
  const body = await readErrorBody(response).catch(() => "[the body could not be read]");
  const retryable = isRetryableStatus(status);
  const retryAfterMs = retryable ? parseRetryAfter(response.headers.get("retry-after"), now) : undefined;
  return {
    code: "http_status",
    message: `${status} ${response.statusText}`.trim(),
    retryable,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    httpStatus: status,
    response: { status, headers: headersToObject(response.headers), body },
  };
}

async function readErrorBody(response: Response): Promise<unknown> {
  const contentType = response.headers.get("content-type");
  const { bytes, truncated } = await readCappedBody(response, ERROR_RESPONSE_BYTES);
  return truncated ? `${decodeText(bytes, contentType)}… [truncated]` : parseBody(bytes, contentType);
}

/** Retry-After as delta seconds or an HTTP date (relative to `now`); unparseable → undefined. */
function parseRetryAfter(value: string | null, now: number): number | undefined {
  const text = value?.trim() ?? "";
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
