// The definition of every step a run may hold, by id: the definition's own steps and
// onFailure steps, and the items of its maps in flight (`<map>[<index>]`), each of which
// runs the map's inline step under its own id.
import type { Definition, MapStep, Step } from "../definition/schema";
import { parseItemKey } from "./item-key";

export class StepCatalog {
  private readonly byId = new Map<string, Step>();

  constructor(definition: Pick<Definition, "steps" | "onFailure">) {
    for (const step of [...definition.steps, ...(definition.onFailure ?? [])]) this.byId.set(step.id, step);
  }

  get(stepId: string): Step | undefined {
    const step = this.byId.get(stepId);
    if (step) return step;
    const item = parseItemKey(stepId);
    const map = item ? this.byId.get(item.map) : undefined;
    // Built per call rather than cached: a map may run thousands of items in one transition.
    return map?.type === "map" ? ({ ...(map as MapStep).step, id: stepId } as Step) : undefined;
  }

  /** The map steps, main and onFailure, in definition order. */
  maps(): MapStep[] {
    return [...this.byId.values()].filter((step): step is MapStep => step.type === "map");
  }
}

/** The step definition for `stepId` in `definition`, items of maps included. */
export function resolveStep(definition: Pick<Definition, "steps" | "onFailure">, stepId: string): Step | undefined {
  return new StepCatalog(definition).get(stepId);
}
