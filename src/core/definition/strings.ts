// Every string of a raw definition that the engine evaluates, classified: expression
// fields (JSONata without braces) and template strings ({{ … }}), whether
// `secrets.NAME` may appear there (only where a request is built), and whether
// it is evaluated inside a run (where `$random` and `$shuffle` are seeded).

export type Segment = string | number;

export interface StringSite {
  path: Segment[];
  text: string;
  kind: "expression" | "template";
  secretsAllowed: boolean;
  /** Evaluated by a run (steps, output); triggers and flow-control keys are evaluated before one exists. */
  inRun: boolean;
}

type Fields = Record<string, unknown>;

const STEP_EXPRESSIONS: Record<string, readonly string[]> = {
  transform: ["expr"],
  sleep: ["until"],
  wait: ["match"],
  map: ["items"],
};
const STEP_SECRET_FIELDS: Record<string, readonly string[]> = {
  http: ["request"],
  approval: ["notify"],
  llm: ["apiKey", "baseUrl", "system", "prompt", "messages"],
};
/** JSON Schema documents: data, not templates. */
const STEP_DATA_FIELDS: Record<string, readonly string[]> = { llm: ["schema"] };
const LIMIT_BLOCKS = new Set(["concurrency", "rateLimit", "debounce"]);

/** Walks a definition as written (it need not match the schema) and lists its evaluated strings. */
export function definitionStrings(raw: unknown): StringSite[] {
  const sites: StringSite[] = [];
  if (!isFields(raw)) return sites;
  for (const [key, value] of Object.entries(raw)) {
    const path = [key];
    if (key === "steps" || key === "onFailure") eachItem(value, path, (step, at) => stepStrings(step, at, sites));
    else if (key === "triggers") eachItem(value, path, (trigger, at) => triggerStrings(trigger, at, sites));
    else if (key === "output") expression(value, path, sites);
    else if (LIMIT_BLOCKS.has(key) && isFields(value)) {
      for (const [field, item] of Object.entries(value)) {
        if (field === "key") expression(item, [key, field], sites);
        else templates(item, [key, field], false, sites);
      }
    } else if (key === "triage" && isFields(value)) {
      for (const [field, item] of Object.entries(value)) templates(item, [key, field], field === "apiKey", sites);
    } else if (key !== "input") templates(value, path, false, sites);
  }
  return sites;
}

function stepStrings(step: unknown, path: Segment[], sites: StringSite[]): void {
  if (!isFields(step)) return;
  const type = typeof step.type === "string" ? step.type : "";
  for (const [field, value] of Object.entries(step)) {
    const at = [...path, field];
    if (type === "map" && field === "step") stepStrings(value, at, sites);
    else if (field === "if" || STEP_EXPRESSIONS[type]?.includes(field)) expression(value, at, sites);
    else if (!STEP_DATA_FIELDS[type]?.includes(field))
      templates(value, at, STEP_SECRET_FIELDS[type]?.includes(field) ?? false, sites);
  }
}

function triggerStrings(trigger: unknown, path: Segment[], sites: StringSite[]): void {
  if (!isFields(trigger)) return;
  const mapsInput = trigger.type === "webhook" || trigger.type === "event";
  for (const [field, value] of Object.entries(trigger)) {
    const at = [...path, field];
    if (mapsInput && (field === "input" || (trigger.type === "event" && field === "key"))) expression(value, at, sites);
    else if (trigger.type === "webhook" && field === "verify" && isFields(value)) {
      for (const [name, item] of Object.entries(value)) templates(item, [...at, name], name === "secret", sites);
    } else templates(value, at, false, sites);
  }
}

function expression(value: unknown, path: Segment[], sites: StringSite[]): void {
  // Empty and non-string expressions are the schema's to report.
  if (typeof value === "string" && value.trim() !== "")
    sites.push({ path, text: value, kind: "expression", secretsAllowed: false, inRun: isInRun(path) });
}

function templates(value: unknown, path: Segment[], secretsAllowed: boolean, sites: StringSite[]): void {
  if (typeof value === "string") {
    if (value.includes("{{")) sites.push({ path, text: value, kind: "template", secretsAllowed, inRun: isInRun(path) });
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) templates(item, [...path, index], secretsAllowed, sites);
  } else if (isFields(value)) {
    for (const [key, item] of Object.entries(value)) templates(item, [...path, key], secretsAllowed, sites);
  }
}

function isInRun(path: Segment[]): boolean {
  return path[0] !== "triggers" && !LIMIT_BLOCKS.has(String(path[0]));
}

function eachItem(list: unknown, path: Segment[], visit: (item: unknown, path: Segment[]) => void): void {
  if (Array.isArray(list)) for (const [index, item] of list.entries()) visit(item, [...path, index]);
}

export function isFields(value: unknown): value is Fields {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
