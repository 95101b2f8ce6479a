// Which gates a run passes through. Rules that share a key expression share a gate, named
// by workflow and key value; rules with different keys get a gate each, in the order
// debounce → concurrency → rate limit (a run takes its slot before its start is counted,
// so neither limit can be exceeded when the keys differ).
import { canonicalJson, sha256Hex } from "../canonical-json";
import type { Definition } from "../definition/schema";
import { parseDuration } from "../duration";
import { evaluateExpression } from "../expr";
import type { GatePolicy, GateStage } from "./types";

type RuleName = "debounce" | "concurrency" | "rateLimit";

interface Rule {
  name: RuleName;
  key: string | undefined;
  policy: GatePolicy;
}

export function hasFlowControl(definition: Definition): boolean {
  return rulesOf(definition).length > 0;
}

/**
 * The gates for a run of `definition` with `input`, first to last. Keys are evaluated
 * over `{input}`; a key expression that fails throws its `expression_error`.
 */
export async function planGates(definition: Definition, input: unknown, now: number): Promise<GateStage[]> {
  const groups = groupByKey(rulesOf(definition));
  return Promise.all(
    groups.map(async (group) => {
      const key = group[0]!.key;
      const keyPart =
        key === undefined
          ? ""
          : `:${await sha256Hex(canonicalJson((await evaluateExpression(key, { input }, { now })) ?? null))}`;
      const rulePart = groups.length > 1 ? `#${group.map((rule) => rule.name).join("+")}` : "";
      const policy: GatePolicy = Object.assign({}, ...group.map((rule) => rule.policy));
      return { name: `${definition.id}${keyPart}${rulePart}`, policy };
    }),
  );
}

function rulesOf(definition: Definition): Rule[] {
  const rules: Rule[] = [];
  const { debounce, concurrency, rateLimit } = definition;
  if (debounce)
    rules.push({ name: "debounce", key: debounce.key, policy: { debounceMs: parseDuration(debounce.period) } });
  if (concurrency)
    rules.push({ name: "concurrency", key: concurrency.key, policy: { concurrency: concurrency.limit } });
  if (rateLimit)
    rules.push({
      name: "rateLimit",
      key: rateLimit.key,
      policy: { rateLimit: { limit: rateLimit.limit, periodMs: parseDuration(rateLimit.period) } },
    });
  return rules;
}

/** Neighbouring rules with the same key expression (or none) form one gate. */
function groupByKey(rules: Rule[]): Rule[][] {
  const groups: Rule[][] = [];
  for (const rule of rules) {
    const last = groups[groups.length - 1];
    if (last && last[0]!.key === rule.key) last.push(rule);
    else groups.push([rule]);
  }
  return groups;
}
