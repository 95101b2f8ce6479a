// The step graph (as in GitHub Actions): laid out by dagre from the definition's `needs`,
// drawn as SVG, each step coloured by its status. Steps are buttons: Enter, Space or a
// click selects one and the run page opens its details.
import dagre from "@dagrejs/dagre";
import { svg } from "../dom";
import type { DefinitionView, StepWithProgress } from "../types";
import { safeClass, statusLabel } from "./status";

const NODE_WIDTH = 176;
const NODE_HEIGHT = 52;
const MAX_LABEL = 20;

export interface GraphOptions {
  selected: string | undefined;
  onSelect: (stepId: string) => void;
}

export function stepGraph(
  steps: readonly StepWithProgress[],
  definition: DefinitionView | undefined,
  options: GraphOptions,
): SVGSVGElement {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 48, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const step of steps) graph.setNode(step.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const [from, to] of edgesOf(definition, steps)) graph.setEdge(from, to);
  dagre.layout(graph);
  const { width = 0, height = 0 } = graph.graph();

  const edges = graph.edges().map((edge) => {
    const points = graph.edge(edge).points ?? [];
    return svg("path", {
      class: "edge",
      d: points
        .map(
          (point: { x: number; y: number }, index: number) =>
            `${index === 0 ? "M" : "L"}${point.x.toFixed(1)},${point.y.toFixed(1)}`,
        )
        .join(" "),
      "marker-end": "url(#wm-arrow)",
    });
  });
  const nodes = steps.map((step) => stepNode(step, graph.node(step.id) as { x: number; y: number }, options));
  return svg(
    "svg",
    {
      class: "graph",
      viewBox: `0 0 ${Math.max(width, NODE_WIDTH)} ${Math.max(height, NODE_HEIGHT)}`,
      width: Math.max(width, NODE_WIDTH),
      height: Math.max(height, NODE_HEIGHT),
      role: "group",
      "aria-label": `Step graph: ${steps.length} steps`,
    },
    svg(
      "defs",
      {},
      svg(
        "marker",
        {
          id: "wm-arrow",
          viewBox: "0 0 10 10",
          refX: "10",
          refY: "5",
          markerWidth: "7",
          markerHeight: "7",
          orient: "auto-start-reverse",
        },
        svg("path", { class: "arrow", d: "M0,0 L10,5 L0,10 z" }),
      ),
    ),
    edges,
    nodes,
  );
}

/** `needs` edges between steps the run has; `onFailure` steps stand apart. */
function edgesOf(definition: DefinitionView | undefined, steps: readonly StepWithProgress[]): [string, string][] {
  if (!definition) return [];
  const present = new Set(steps.map((step) => step.id));
  return [...definition.steps, ...(definition.onFailure ?? [])].flatMap((step) =>
    (step.needs ?? [])
      .filter((need) => present.has(need) && present.has(step.id))
      .map((need): [string, string] => [need, step.id]),
  );
}

function stepNode(step: StepWithProgress, at: { x: number; y: number }, options: GraphOptions): SVGGElement {
  const x = at.x - NODE_WIDTH / 2;
  const y = at.y - NODE_HEIGHT / 2;
  const detail = step.items
    ? `${step.items.total - step.items.pending - step.items.running}/${step.items.total} items`
    : statusLabel(step.status);
  const selected = options.selected === step.id;
  const node = svg(
    "g",
    {
      class: `node status-${safeClass(step.status)}${step.onFailure ? " on-failure" : ""}${selected ? " selected" : ""}`,
      tabindex: "0",
      role: "button",
      "aria-pressed": String(selected),
      "aria-label": `Step ${step.id} (${step.type}${step.onFailure ? ", on failure" : ""}): ${statusLabel(step.status)}${step.items ? `, ${detail}` : ""}`,
      "data-step": step.id,
      onclick: () => options.onSelect(step.id),
      onkeydown: (event: Event) => {
        const key = (event as KeyboardEvent).key;
        if (key !== "Enter" && key !== " ") return;
        event.preventDefault();
        options.onSelect(step.id);
      },
    },
    svg("title", {}, `${step.id} · ${step.type} · ${statusLabel(step.status)}`),
    svg("rect", { x, y, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 8 }),
    svg("rect", { class: "stripe", x, y, width: 6, height: NODE_HEIGHT, rx: 3 }),
    svg("text", { class: "node-id", x: x + 16, y: y + 21 }, truncate(step.id)),
    svg("text", { class: "node-detail", x: x + 16, y: y + 39 }, `${step.type} · ${detail}`),
  );
  return node;
}

function truncate(text: string): string {
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
}
