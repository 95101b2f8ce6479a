// Short, countable descriptions of what the senders heard, for the checks and the report.
import { isSuccess, type Answer } from "./senders.ts";

export function describeAnswer(answer: Answer | undefined): string {
  if (!answer) return "no answer";
  if (answer.status === 0) return answer.gaveUp ? "gave up (network)" : "no HTTP answer";
  const repeat = answer.repeat ? " repeat" : "";
  const code = answer.code ? ` ${answer.code}` : "";
  return `${answer.status}${code}${repeat}${answer.gaveUp && !isSuccess(answer.status) ? " (gave up)" : ""}`;
}

export function countOf(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

export const countBy = (values: string[]): string =>
  Object.entries(countOf(values))
    .sort(([, a], [, b]) => b - a)
    .map(([value, n]) => `${value} ×${n}`)
    .join(", ") || "none";

export const examples = (items: string[], shown = 5): string =>
  `${items.slice(0, shown).join("; ")}${items.length > shown ? ` … and ${items.length - shown} more` : ""}`;

export const truncate = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);
