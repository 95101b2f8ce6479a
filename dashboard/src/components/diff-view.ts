// A line diff as a table: old and new line numbers, a +/− sign and the line, with the
// change spelled out for screen readers ("added", "removed"), never colour alone. Long
// unchanged stretches fold into a button that shows them.
import { h } from "../dom";
import { plural } from "../format";
import { diffLines, type DiffLine } from "./line-diff";

const CONTEXT = 3;

export function diffView(oldText: string, newText: string, caption: string): HTMLElement {
  const lines = diffLines(oldText, newText);
  const added = lines.filter((line) => line.kind === "added").length;
  const removed = lines.filter((line) => line.kind === "removed").length;
  const summary =
    added + removed === 0 ? "No differences." : `${plural(added, "line")} added, ${plural(removed, "line")} removed.`;
  const body = h("tbody");
  for (const block of foldUnchanged(lines)) {
    if (Array.isArray(block)) body.append(foldedRow(block));
    else body.append(diffRow(block as DiffLine));
  }
  return h(
    "div",
    { class: "diff-wrap" },
    h(
      "p",
      { class: "diff-summary", "data-testid": "diff-summary" },
      h("span", { class: "diff-added-count" }, `+${added}`),
      " ",
      h("span", { class: "diff-removed-count" }, `−${removed}`),
      " ",
      summary,
    ),
    h(
      "table",
      { class: "diff" },
      h("caption", { class: "visually-hidden" }, `${caption}. ${summary}`),
      h(
        "thead",
        { class: "visually-hidden" },
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Old line"),
          h("th", { scope: "col" }, "New line"),
          h("th", { scope: "col" }, "Change"),
          h("th", { scope: "col" }, "Text"),
        ),
      ),
      body,
    ),
  );
}

/** Lines to show, with runs of unchanged lines beyond the context folded into arrays. */
function foldUnchanged(lines: readonly DiffLine[]): (DiffLine | DiffLine[])[] {
  const near = lines.map((_, index) =>
    lines.slice(Math.max(0, index - CONTEXT), index + CONTEXT + 1).some((line) => line.kind !== "same"),
  );
  const out: (DiffLine | DiffLine[])[] = [];
  let folded: DiffLine[] = [];
  lines.forEach((line, index) => {
    if (near[index]) {
      if (folded.length > 0) out.push(folded.length === 1 ? folded[0]! : folded);
      folded = [];
      out.push(line);
    } else folded.push(line);
  });
  if (folded.length > 0) out.push(folded.length === 1 ? folded[0]! : folded);
  return out;
}

function diffRow(line: DiffLine): HTMLTableRowElement {
  const sign = line.kind === "added" ? "+" : line.kind === "removed" ? "−" : " ";
  const spoken = line.kind === "added" ? "added" : line.kind === "removed" ? "removed" : "unchanged";
  return h(
    "tr",
    { class: `diff-${line.kind}` },
    h("td", { class: "diff-num" }, line.oldLine ?? ""),
    h("td", { class: "diff-num" }, line.newLine ?? ""),
    h(
      "td",
      { class: "diff-sign" },
      h("span", { "aria-hidden": "true" }, sign),
      h("span", { class: "visually-hidden" }, spoken),
    ),
    h(
      "td",
      { class: "diff-text" },
      line.kind === "added" ? h("ins", {}, line.text) : line.kind === "removed" ? h("del", {}, line.text) : line.text,
    ),
  );
}

function foldedRow(lines: DiffLine[]): HTMLTableRowElement {
  const row: HTMLTableRowElement = h(
    "tr",
    { class: "diff-fold" },
    h(
      "td",
      { colspan: 4 },
      h(
        "button",
        { type: "button", class: "link", onclick: () => row.replaceWith(...lines.map(diffRow)) },
        `Show ${plural(lines.length, "unchanged line")} (${lines[0]!.newLine}–${lines.at(-1)!.newLine})`,
      ),
    ),
  );
  return row;
}
