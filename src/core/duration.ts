// Durations as written in definitions: an integer and a unit (`500ms 30s 5m 2h 7d`).
import { z } from "zod";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d)$/;

export const durationSchema = z
  .string()
  .regex(DURATION_PATTERN, { message: "expected a duration such as 500ms, 30s, 5m, 2h or 7d" })
  .meta({
    description: "An integer and a unit: ms, s, m, h or d (e.g. 30s)",
    examples: ["500ms", "30s", "5m", "2h", "7d"],
  });

/** A duration longer than zero (a step's timeout); a malformed one is `durationSchema`'s to report. */
export const positiveDurationSchema = durationSchema.refine(
  (text) => !DURATION_PATTERN.test(text) || parseDuration(text) > 0,
  { message: "must be longer than 0" },
);

/** Milliseconds in a duration string; throws on anything `durationSchema` rejects. */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
