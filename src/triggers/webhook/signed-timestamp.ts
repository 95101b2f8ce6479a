// Replay protection for schemes that sign a timestamp: a captured delivery stops
// verifying 5 minutes after it was sent, and a clock far ahead is just as suspect.
const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** Why a signed Unix timestamp (seconds) is unacceptable at `now` (ms), or null when it is fine. */
export function timestampProblem(value: string, now: number): string | null {
  if (!/^\d{1,12}$/.test(value)) return "the signed timestamp is not a Unix time in seconds";
  const skewSeconds = Math.abs(now / 1000 - Number(value));
  if (skewSeconds > TIMESTAMP_TOLERANCE_SECONDS)
    return "the signed timestamp is more than 5 minutes away from the current time";
  return null;
}
