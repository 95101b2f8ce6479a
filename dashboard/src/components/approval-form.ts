// Approve or reject a waiting approval step, with an optional comment. Offered only to
// tokens the step admits (its `approvers`, else operators); the server checks again.
import type { Api } from "../api";
import { h, replaceChildren } from "../dom";
import type { Session } from "../session";
import { errorNotice } from "./notice";

/** `idSuffix` keeps the comment field's id unique where several forms share a page (the inbox). */
export function approvalForm(
  api: Api,
  session: Session,
  runId: string,
  stepId: string,
  approvers: readonly string[] | undefined,
  idSuffix = "",
): HTMLElement {
  const who = approvers && approvers.length > 0 ? approvers.join(", ") : "operators";
  if (!session.mayDecide(approvers)) return h("p", { class: "muted" }, `Waiting for a decision by ${who}.`);
  const id = `comment-${stepId}${idSuffix}`;
  const comment = h("textarea", { id, name: "comment", rows: 2, maxlength: 2000 });
  const feedback = h("div", { "aria-live": "polite" });
  const approve = h("button", { type: "submit", class: "primary", value: "approve" }, "Approve");
  const reject = h("button", { type: "submit", class: "danger", value: "reject" }, "Reject");
  const form = h(
    "form",
    { class: "approval", "aria-label": `Decide ${stepId}` },
    h("p", {}, `Waiting for a decision by ${who}.`),
    h("label", { for: id }, "Comment (optional)"),
    comment,
    h("div", { class: "actions" }, approve, reject),
    feedback,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const decision = (event as SubmitEvent).submitter === reject ? "reject" : "approve";
    approve.disabled = reject.disabled = true;
    replaceChildren(
      feedback,
      h("p", { class: "muted", role: "status" }, decision === "approve" ? "Approving…" : "Rejecting…"),
    );
    try {
      await api.decide(runId, stepId, decision, comment.value);
      replaceChildren(feedback, h("p", { role: "status" }, decision === "approve" ? "Approved." : "Rejected."));
    } catch (error) {
      replaceChildren(feedback, errorNotice(error, "The decision was not recorded."));
      approve.disabled = reject.disabled = false;
    }
  });
  return form;
}
