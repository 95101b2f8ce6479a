// The step list as a whole: unique ids, `needs` that resolve, no cycles, at most 500
// steps. Works on the raw definition so it can report alongside shape problems.
import { findCycle, formatCycle, type GraphNode } from "./graph";
import type { Issue } from "../problem";
import { formatPath } from "./issues";
import { isFields, type Segment } from "./strings";

const MAX_STEPS = 500;

interface LooseStep {
  id: string;
  needs: unknown[];
  path: Segment[];
  onFailure: boolean;
}

/** Duplicate ids, unresolved or forbidden needs, cycles and the step count. */
export function stepGraphIssues(raw: unknown): Issue[] {
  if (!isFields(raw)) return [];
  const steps = [...looseSteps(raw.steps, "steps", false), ...looseSteps(raw.onFailure, "onFailure", true)];
  const byId = new Map<string, LooseStep>();
  const issues: Issue[] = [];
  for (const step of steps) {
    const first = byId.get(step.id);
    if (first)
      issues.push({
        path: formatPath([...step.path, "id"]),
        message: `duplicate step id "${step.id}" (also used by ${formatPath(first.path)})`,
      });
    else byId.set(step.id, step);
  }
  const nodes: GraphNode[] = [];
  for (const step of byId.values()) {
    const needs: string[] = [];
    step.needs.forEach((need, index) => {
      if (typeof need !== "string") return;
      const problem = needProblem(step, need, byId);
      if (problem) issues.push({ path: formatPath([...step.path, "needs", index]), message: problem });
      else needs.push(need);
    });
    nodes.push({ id: step.id, needs });
  }
  issues.push(...cycleIssues(nodes, byId));
  const total = countSteps(raw.steps) + countSteps(raw.onFailure);
  if (total > MAX_STEPS) {
    issues.push({
      path: "",
      message: `the workflow has ${total} steps (counting onFailure and map steps); the limit is ${MAX_STEPS}`,
    });
  }
  return issues;
}

function needProblem(step: LooseStep, need: string, byId: Map<string, LooseStep>): string | null {
  const target = byId.get(need);
  if (!target) {
    const guess = closest(need, [...byId.keys()]);
    return `needs unknown step "${need}"${guess ? `; did you mean "${guess}"?` : ""}`;
  }
  if (target.onFailure && !step.onFailure)
    return `needs "${need}", an onFailure step; main steps cannot wait for onFailure steps`;
  return null;
}

/** Every disjoint cycle: report one, drop its steps, look again. */
function cycleIssues(nodes: GraphNode[], byId: Map<string, LooseStep>): Issue[] {
  const issues: Issue[] = [];
  let remaining = nodes;
  for (let cycle = findCycle(remaining); cycle; cycle = findCycle(remaining)) {
    const first = byId.get(cycle[0]!)!;
    issues.push({ path: formatPath([...first.path, "needs"]), message: `steps form a cycle: ${formatCycle(cycle)}` });
    const inCycle = new Set(cycle);
    remaining = remaining.filter((node) => !inCycle.has(node.id));
  }
  return issues;
}

function looseSteps(list: unknown, key: string, onFailure: boolean): LooseStep[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((step, index) =>
    isFields(step) && typeof step.id === "string"
      ? [{ id: step.id, needs: Array.isArray(step.needs) ? step.needs : [], path: [key, index], onFailure }]
      : [],
  );
}

/** Steps in a list, each map counting its inline step too. */
function countSteps(list: unknown): number {
  if (!Array.isArray(list)) return 0;
  return list.reduce<number>(
    (total, step) => total + 1 + (isFields(step) && step.type === "map" && isFields(step.step) ? 1 : 0),
    0,
  );
}

/** The known id within edit distance 2 of a misspelt one, if any. */
function closest(name: string, candidates: string[]): string | undefined {
  let best: { id: string; distance: number } | undefined;
  for (const id of candidates) {
    const distance = editDistance(name, id);
    if (distance <= 2 && (!best || distance < best.distance)) best = { id, distance };
  }
  return best?.id;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length]!;
}
