// The editor's problems as a list of buttons, one per issue: its line, its path and the
// message. Enter or a click moves the cursor there; arrow keys go from one to the next.
import { h } from "../dom";
import type { LocatedIssue } from "./definition-text";

export function issueList(issues: readonly LocatedIssue[], onPick: (issue: LocatedIssue) => void): HTMLElement {
  const sorted = [...issues].sort((a, b) => a.position.offset - b.position.offset);
  const list = h(
    "ol",
    { class: "issues", "aria-label": "Problems (press a problem to go to its line)" },
    sorted.map((issue) =>
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: "issue", "data-line": issue.position.line, onclick: () => onPick(issue) },
          h("span", { class: "issue-line" }, `Line ${issue.position.line}:${issue.position.column}`),
          issue.path ? h("code", { class: "issue-path" }, issue.path) : null,
          h("span", { class: "issue-message" }, issue.message),
        ),
      ),
    ),
  );
  list.addEventListener("keydown", (event) => {
    const step = event.key === "ArrowDown" ? 1 : event.key === "ArrowUp" ? -1 : 0;
    if (step === 0) return;
    const buttons = [...list.querySelectorAll<HTMLButtonElement>("button.issue")];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    event.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, index + step))]!.focus();
  });
  return list;
}
