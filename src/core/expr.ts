// JSONata expressions and `{{ … }}` templates, evaluated with bounds (nesting depth,
// evaluation steps, sequence length) so a definition cannot hang a run.
// Evaluation is deterministic, so a replayed transition gives the same answer: time comes
// in as an argument (`$now()`, `$millis()`), and `$random`/`$shuffle` draw from a seed.
import jsonata from "jsonata";
import { NonRetryableError } from "./errors";
import { evaluationSources, deterministicBindings, type EvaluationSources } from "./expr-bindings";

export interface EvaluateOptions {
  /** Epoch ms returned by `$millis()` and `$now()`; keeps evaluation deterministic. */
  now: number;
  /**
   * Seeds `$random` and `$shuffle` (the engine passes run id, step id and attempt). Without
   * one, as outside a run (trigger input mappings, flow-control keys), they fail.
   */
  seed?: string;
}

const LIMITS = { stack: 200, sequence: 100_000, steps: 200_000 } as const;
const TEMPLATE_PATTERN = /\{\{([\s\S]*?)\}\}/g;
const WHOLE_TEMPLATE_PATTERN = /^\{\{([\s\S]*?)\}\}$/;
const compiled = new Map<string, jsonata.Expression>();
const COMPILED_CACHE_SIZE = 2000;
const EVALUATE_ENTRY = Symbol.for("jsonata.__evaluate_entry");

interface JsonataFailure {
  message?: string;
  code?: string;
  position?: number;
}

/** Compiles (and caches) an expression; throws `expression_error` when it does not parse. */
function compileExpression(source: string): jsonata.Expression {
  const cached = compiled.get(source);
  if (cached) return cached;
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source, { stack: LIMITS.stack, sequence: LIMITS.sequence } as never);
  } catch (error) {
    throw expressionError(source, error);
  }
  // The hook sees each evaluation's own root frame, so the step budget is per evaluation.
  (expression.assign as unknown as (name: symbol, value: unknown) => void)(EVALUATE_ENTRY, countEvaluationStep);
  if (compiled.size >= COMPILED_CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
  compiled.set(source, expression);
  return expression;
}

function countEvaluationStep(_node: unknown, _input: unknown, environment: { base: { waymarkSteps?: number } }): void {
  const base = environment.base;
  base.waymarkSteps = (base.waymarkSteps ?? 0) + 1;
  if (base.waymarkSteps > LIMITS.steps) {
    throw { code: "W0001", message: `evaluation exceeded ${LIMITS.steps} steps` };
  }
}

/** The parse error of an expression, or null when it parses. */
export function expressionParseError(source: string): string | null {
  try {
    compileExpression(source);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Evaluates an expression against a scope; failures become non-retryable `expression_error`s. */
export function evaluateExpression(source: string, scope: unknown, options: EvaluateOptions): Promise<unknown> {
  return evaluate(source, scope, evaluationSources(options.now, options.seed));
}

async function evaluate(source: string, scope: unknown, sources: EvaluationSources): Promise<unknown> {
  const expression = compileExpression(source);
  try {
    return normalize(await expression.evaluate(scope, deterministicBindings(sources)));
  } catch (error) {
    throw expressionError(source, error);
  }
}

/** Expressions inside a string's `{{ … }}` placeholders. */
export function templateExpressions(text: string): string[] {
  return [...text.matchAll(TEMPLATE_PATTERN)].map((match) => match[1]!.trim());
}

/**
 * Renders templates in every string of a value. A string that is exactly one
 * `{{ expr }}` yields the raw result (object, number, …); otherwise results are
 * interpolated as text (objects as JSON, null and undefined as ""). The placeholders
 * share one `$random` stream, so two of them draw different numbers.
 */
export function renderTemplate(value: unknown, scope: unknown, options: EvaluateOptions): Promise<unknown> {
  return render(value, scope, evaluationSources(options.now, options.seed));
}

async function render(value: unknown, scope: unknown, sources: EvaluationSources): Promise<unknown> {
  if (typeof value === "string") return renderString(value, scope, sources);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(await render(item, scope, sources));
    return out;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = await render(item, scope, sources);
    return out;
  }
  return value;
}

async function renderString(text: string, scope: unknown, sources: EvaluationSources): Promise<unknown> {
  const whole = WHOLE_TEMPLATE_PATTERN.exec(text.trim());
  if (whole && templateExpressions(text).length === 1) {
    return evaluate(whole[1]!.trim(), scope, sources);
  }
  let out = "";
  let last = 0;
  for (const match of text.matchAll(TEMPLATE_PATTERN)) {
    out += text.slice(last, match.index);
    out += stringify(await evaluate(match[1]!.trim(), scope, sources));
    last = match.index! + match[0].length;
  }
  return out + text.slice(last);
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** JSONata returns sequences (arrays with extra flags) and functions; keep plain JSON only. */
function normalize(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value === "function") return undefined;
  return JSON.parse(JSON.stringify(value));
}

function expressionError(source: string, error: unknown): NonRetryableError {
  const failure = (error ?? {}) as JsonataFailure;
  const where = typeof failure.position === "number" ? ` (at position ${failure.position})` : "";
  const message = `${failure.message ?? String(error)}${where}`;
  return new NonRetryableError("expression_error", `expression \`${source}\` failed: ${message}`, {
    expression: source,
  });
}
