// Approvals: every approval step waiting for a decision, newest first, each with
// its run, who may decide and when it expires, decided inline. Re-read every few seconds
// while visible; items already shown are kept (with any comment being typed) and only
// those decided elsewhere or here disappear.
import type { Api } from "../api";
import { approvalForm } from "../components/approval-form";
import { errorNotice, loading } from "../components/notice";
import { h, replaceChildren } from "../dom";
import { formatAgo, formatTime, plural } from "../format";
import type { PageContext, PageModule } from "../router";
import type { Approval } from "../types";

const REFRESH_MS = 3_000;

interface Item {
  readonly element: HTMLElement;
  readonly ago: HTMLElement;
}

export const approvalsPage: PageModule = (context) => {
  const list = h("ul", { class: "inbox", "aria-label": "Approvals waiting" });
  const status = h("div", {}, loading("the approvals"));
  const announcer = h("p", { class: "visually-hidden", "aria-live": "polite" });
  const items = new Map<string, Item>();
  const heading = h("h1", { tabindex: "-1" }, "Approvals");
  const inboxApi = announcingApi(context.api, announcer, () => void refresh(true));
  let loaded = false;
  let inFlight = false;
  let disposed = false;

  async function refresh(again = false): Promise<void> {
    if (disposed) return;
    if (inFlight) return void (again && setTimeout(() => void refresh(true), 200));
    inFlight = true;
    try {
      const approvals = await context.api.listApprovals();
      if (disposed) return;
      const added = show(approvals);
      replaceChildren(
        status,
        approvals.length === 0
          ? h("p", { class: "empty" }, "No approvals are waiting.")
          : h("p", { class: "muted" }, `${plural(approvals.length, "approval")} waiting`),
      );
      if (loaded && added > 0) announcer.textContent = plural(added, "new approval");
      loaded = true;
    } catch (error) {
      if (!disposed) replaceChildren(status, errorNotice(error, "Could not load the approvals."));
    } finally {
      inFlight = false;
    }
  }

  /** Puts the list in the server's order, reusing the items already shown; returns how many are new. */
  function show(approvals: readonly Approval[]): number {
    const now = Date.now();
    const keys = new Set(approvals.map(keyOf));
    for (const [key, item] of items) {
      if (keys.has(key)) continue;
      const hadFocus = item.element.contains(document.activeElement);
      item.element.remove();
      items.delete(key);
      if (hadFocus) heading.focus();
    }
    let added = 0;
    let previous: Element | null = null;
    for (const approval of approvals) {
      const key = keyOf(approval);
      let item = items.get(key);
      if (!item) {
        item = inboxItem({ ...context, api: inboxApi }, approval);
        items.set(key, item);
        added += 1;
      }
      item.ago.textContent = formatAgo(approval.requestedAt, now);
      if (item.element.previousElementSibling !== previous || item.element.parentElement !== list) {
        if (previous) previous.after(item.element);
        else list.prepend(item.element);
      }
      previous = item.element;
    }
    return added;
  }

  void refresh();
  const timer = setInterval(() => {
    if (document.visibilityState === "visible") void refresh();
  }, REFRESH_MS);

  const element = h("section", { class: "approvals-page" }, pageHead(heading), status, list, announcer);
  return {
    title: "Approvals",
    element,
    dispose: () => {
      disposed = true;
      clearInterval(timer);
    },
  };
};

function pageHead(heading: HTMLElement): HTMLElement {
  return h(
    "div",
    { class: "page-head" },
    heading,
    h("span", { class: "live-dot", title: `Refreshed every ${REFRESH_MS / 1000} s` }, "Live"),
  );
}

/**
 * The forms' API, which re-reads the inbox as soon as a decision is recorded (the item
 * then leaves the list) and says so, rather than leaving it for the next refresh.
 */
function announcingApi(api: Api, announcer: HTMLElement, decided: () => void): Api {
  const inboxApi: Api = Object.create(api) as Api;
  inboxApi.decide = async (runId, stepId, decision, comment) => {
    const result = await api.decide(runId, stepId, decision, comment);
    announcer.textContent = `${decision === "approve" ? "Approved" : "Rejected"} ${stepId} of ${runId}.`;
    decided();
    return result;
  };
  return inboxApi;
}

const keyOf = (approval: Approval) => `${approval.runId}/${approval.stepId}`;

let serial = 0;

function inboxItem(context: PageContext, approval: Approval): Item {
  const ago = h("time", { datetime: approval.requestedAt, title: formatTime(approval.requestedAt) });
  const form = approvalForm(
    context.api,
    context.session,
    approval.runId,
    approval.stepId,
    approval.approvers,
    `-inbox-${(serial += 1)}`,
  );
  const expired = approval.expiresAt !== null && Date.parse(approval.expiresAt) < Date.now();
  const element = h(
    "li",
    { class: "inbox-item", "data-run-id": approval.runId, "data-step": approval.stepId },
    h(
      "div",
      { class: "inbox-head" },
      h("strong", { class: "step-id" }, approval.stepId),
      h("span", { class: "muted" }, " in "),
      h("a", { href: `/runs/${encodeURIComponent(approval.runId)}`, class: "mono" }, approval.runId),
      h("span", { class: "muted" }, ` · ${approval.workflow}`),
    ),
    h(
      "dl",
      { class: "facts" },
      fact("Workflow", h("a", { href: `/runs?workflow=${encodeURIComponent(approval.workflow)}` }, approval.workflow)),
      fact("Requested", ago),
      fact(
        "Expires",
        approval.expiresAt
          ? h(
              "time",
              { datetime: approval.expiresAt, class: expired ? "expired" : null },
              expired ? `expired ${formatTime(approval.expiresAt)}` : formatTime(approval.expiresAt),
            )
          : "never",
      ),
      fact("Approvers", approval.approvers.length > 0 ? approval.approvers.join(", ") : "operators"),
    ),
    form,
  );
  return { element, ago };
}

function fact(term: string, value: HTMLElement | string): HTMLElement {
  return h("div", {}, h("dt", {}, term), h("dd", {}, value));
}
