// The step graph of a definition being edited: the run graph's layout (graph.ts) with
// no status, each node naming its step and type. Whatever the text holds so far is drawn:
// steps without an id are left out, a repeated id is drawn once.
import { h } from "../dom";
import type { DefinitionView, StepDefinition, StepWithProgress } from "../types";
import { isRecord } from "./definition-text";
import { stepGraph } from "./graph";

export function graphPreview(definition: unknown, onSelect: (stepId: string) => void): Element {
  const main = stepsOf(definition, "steps");
  const ids = new Set(main.map((step) => step.id));
  const onFailure = stepsOf(definition, "onFailure").filter((step) => !ids.has(step.id));
  if (main.length === 0) return h("p", { class: "muted" }, "No steps to draw yet.");
  const view: DefinitionView = { id: "preview", steps: main, onFailure };
  const steps = [...main.map((step) => asStep(step, false)), ...onFailure.map((step) => asStep(step, true))];
  const graph = stepGraph(steps, view, { selected: undefined, onSelect });
  graph.setAttribute("aria-label", `Preview of the step graph: ${steps.length} steps`);
  for (const node of graph.querySelectorAll<SVGGElement>("g.node")) {
    const step = steps.find((candidate) => candidate.id === node.getAttribute("data-step"))!;
    node.setAttribute("class", `node preview${step.onFailure ? " on-failure" : ""}`);
    node.removeAttribute("aria-pressed");
    node.setAttribute(
      "aria-label",
      `Step ${step.id} (${step.type}${step.onFailure ? ", on failure" : ""}): go to its definition`,
    );
    const detail = node.querySelector(".node-detail");
    if (detail) detail.textContent = step.onFailure ? `${step.type} · on failure` : step.type;
    const title = node.querySelector("title");
    if (title) title.textContent = `${step.id} · ${step.type}`;
  }
  return graph;
}

function stepsOf(definition: unknown, field: "steps" | "onFailure"): StepDefinition[] {
  const list = isRecord(definition) ? definition[field] : undefined;
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  return list.flatMap((step): StepDefinition[] => {
    if (!isRecord(step) || typeof step.id !== "string" || step.id === "" || seen.has(step.id)) return [];
    seen.add(step.id);
    const needs = Array.isArray(step.needs)
      ? step.needs.filter((need): need is string => typeof need === "string")
      : [];
    return [{ id: step.id, type: typeof step.type === "string" ? step.type : "?", needs }];
  });
}

function asStep(step: StepDefinition, onFailure: boolean): StepWithProgress {
  return {
    id: step.id,
    type: step.type,
    status: "pending",
    onFailure,
    input: null,
    output: null,
    error: null,
    skipReason: null,
    startedAt: null,
    finishedAt: null,
    attempts: [],
  };
}
