// Ends a transition with the effects found by comparing the states before and after it:
// the holds of waiting steps (holds.ts) and the run's index row. It lives apart from
// draft.ts because holds.ts, and the wait step it reads, build on draft.ts.
import type { TransitionResult } from "./effects";
import type { RunState } from "./run-state";
import { emitIndex, TERMINAL_STEP_STATUSES, type Draft } from "./draft";
import { holdEffects } from "./holds";

/** Ends the transition; adds the one index effect when a status the index shows changed. */
export function closeDraft(draft: Draft, before: RunState): TransitionResult {
  draft.effects.push(...holdEffects(draft, before));
  if (changesIndex(before, draft.state)) emitIndex(draft);
  return { state: draft.state, effects: draft.effects };
}

function changesIndex(before: RunState, after: RunState): boolean {
  if (before.status !== after.status) return true;
  // Items of maps are not in the index: their map's own status is.
  return Object.values(after.steps).some((step) => {
    if (step.item) return false;
    const old = before.steps[step.id];
    if (old === step || old?.status === step.status) return false;
    return (
      TERMINAL_STEP_STATUSES.includes(step.status) || (old !== undefined && TERMINAL_STEP_STATUSES.includes(old.status))
    );
  });
}
