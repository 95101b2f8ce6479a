// The JSONata functions Waymark replaces so that evaluation is deterministic and a replayed
// transition gives the same answer: the clock is the engine's (`$now`, `$millis`), and
// `$random`/`$shuffle` draw from a stream seeded by the run, the step and the attempt.
import jsonata from "jsonata";
import { seededRandom, shuffled } from "./seeded-random";

export const UNSEEDED_RANDOM_MESSAGE =
  "$random and $shuffle are not available here: only a run's steps and output can repeat them (seeded by run, step and attempt)";

/** One evaluation's (or one template's) clock and random stream. */
export interface EvaluationSources {
  now: number;
  random: () => number;
}

export function evaluationSources(now: number, seed: string | undefined): EvaluationSources {
  return { now, random: seed === undefined ? unseeded : seededRandom(seed) };
}

export function deterministicBindings({ now, random }: EvaluationSources): Record<string, unknown> {
  return {
    now: (picture?: string, timezone?: string) => formatMillis(now, picture, timezone),
    millis: () => now,
    random: () => random(),
    // JSONata's own signature (<a:a>) wraps a single value into an array; nothing stays nothing.
    shuffle: (items: unknown) =>
      items === undefined ? undefined : shuffled(Array.isArray(items) ? items : [items], random),
  };
}

function unseeded(): never {
  throw { code: "W0002", message: UNSEEDED_RANDOM_MESSAGE };
}

const FROM_MILLIS = jsonata("$fromMillis($millis, $picture, $timezone)");

/** `$now(picture, timezone)` as JSONata's own: `$fromMillis` of the engine's clock. */
async function formatMillis(millis: number, picture?: string, timezone?: string): Promise<string> {
  if (picture === undefined && timezone === undefined) return new Date(millis).toISOString();
  return (await FROM_MILLIS.evaluate(null, { millis, picture, timezone })) as string;
}
