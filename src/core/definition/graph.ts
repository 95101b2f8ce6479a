// The `needs` graph of a step list: execution order, cycles and reverse edges.
// Needs naming unknown steps are ignored here; validate.ts reports them.

/** The part of a step the graph looks at. */
export interface GraphNode {
  id: string;
  needs?: readonly string[];
}

/**
 * Steps in an order where each comes after everything it needs: repeatedly the first
 * step, in definition order, whose needs are all placed. Throws on a cycle.
 */
export function dependencyOrder<S extends GraphNode>(steps: readonly S[]): S[] {
  const byId = indexById(steps);
  const pending = [...byId.values()];
  const placed = new Set<string>();
  const ordered: S[] = [];
  while (pending.length > 0) {
    const index = pending.findIndex((step) => knownNeeds(step, byId).every((need) => placed.has(need)));
    if (index < 0) throw new Error(`steps form a cycle: ${formatCycle(findCycle(pending) ?? [])}`);
    const [step] = pending.splice(index, 1);
    placed.add(step!.id);
    ordered.push(step!);
  }
  return ordered;
}

/**
 * One cycle of `needs` edges as step ids, first id repeated at the end
 * (`["a", "b", "a"]`: a needs b, b needs a), or null when the graph is acyclic.
 */
export function findCycle(steps: readonly GraphNode[]): string[] | null {
  const byId = indexById(steps);
  const state = new Map<string, "visiting" | "done">();
  const trail: string[] = [];

  const visit = (id: string): string[] | null => {
    const seen = state.get(id);
    if (seen === "done") return null;
    if (seen === "visiting") return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, "visiting");
    trail.push(id);
    for (const need of knownNeeds(byId.get(id)!, byId)) {
      const cycle = visit(need);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(id, "done");
    return null;
  };

  for (const step of byId.values()) {
    const cycle = visit(step.id);
    if (cycle) return cycle;
  }
  return null;
}

/** For every step id, the ids of the steps that need it (in definition order). */
export function dependentsOf(steps: readonly GraphNode[]): Map<string, string[]> {
  const byId = indexById(steps);
  const dependents = new Map<string, string[]>([...byId.keys()].map((id) => [id, []]));
  for (const step of byId.values()) {
    for (const need of knownNeeds(step, byId)) dependents.get(need)!.push(step.id);
  }
  return dependents;
}

/** `a → b → a`, the way validation messages show a cycle. */
export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(" → ");
}

/** First step wins when ids repeat; duplicates are validate.ts's to report. */
function indexById<S extends GraphNode>(steps: readonly S[]): Map<string, S> {
  const byId = new Map<string, S>();
  for (const step of steps) if (!byId.has(step.id)) byId.set(step.id, step);
  return byId;
}

/** Distinct needs that name a step in the list. */
function knownNeeds(step: GraphNode, byId: Map<string, GraphNode>): string[] {
  return [...new Set(step.needs ?? [])].filter((need) => byId.has(need));
}
