// Expressions and templates must parse, and may name `secrets` only where a request
// is built, so a secret can never leak into a step output, a condition or the run input.
// `$random` and `$shuffle` only where a run seeds them, so replaying it repeats them.
import { expressionParseError, templateExpressions } from "../expr";
import { UNSEEDED_RANDOM_MESSAGE } from "../expr-bindings";
import type { Issue } from "../problem";
import { formatPath } from "./issues";
import { definitionStrings, type StringSite } from "./strings";

const SECRETS_ALLOWED_IN =
  "an http step's request, an approval step's notify, an llm step's apiKey, baseUrl, system, prompt or messages, the triage apiKey, or a webhook trigger's verify.secret";

const SECRET_REFERENCE = /(?<![\w$.])secrets\s*\./;
const RANDOM_REFERENCE = /\$(random|shuffle)\b/;

/** Problems in every expression and `{{ … }}` placeholder of a raw definition. */
export function expressionIssues(raw: unknown): Issue[] {
  return definitionStrings(raw).flatMap(siteIssues);
}

function siteIssues(site: StringSite): Issue[] {
  const path = formatPath(site.path);
  const sources = site.kind === "expression" ? [site.text] : templateExpressions(site.text);
  const issues: Issue[] = [];
  for (const source of sources) {
    const error = expressionParseError(source);
    if (error) issues.push({ path, message: parseMessage(site, source, error) });
    if (!site.secretsAllowed && SECRET_REFERENCE.test(source)) {
      issues.push({ path, message: `secrets cannot be used here; they are allowed only in ${SECRETS_ALLOWED_IN}` });
    }
    if (!site.inRun && RANDOM_REFERENCE.test(source)) issues.push({ path, message: UNSEEDED_RANDOM_MESSAGE });
  }
  if (site.kind === "template" && site.text.replace(/\{\{[\s\S]*?\}\}/g, "").includes("{{")) {
    issues.push({ path, message: "a {{ placeholder is never closed with }}" });
  }
  return issues;
}

function parseMessage(site: StringSite, source: string, error: string): string {
  const reason = error.replace(/^expression `[\s\S]*?` failed: /, "");
  if (site.kind === "template") return `template {{ ${source} }} does not parse: ${reason}`;
  const hint = source.includes("{{") ? " (expression fields are written without {{ }})" : "";
  return `expression does not parse: ${reason}${hint}`;
}
