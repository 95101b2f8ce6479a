// Audit (admins): the append-only log newest first, filtered by actor, action,
// target and time (the filters live in the URL), paged by cursor, with the hash chain's
// state on top and an NDJSON export of everything the filters match.
import type { Api, AuditFilter } from "../api";
import { chainBanner } from "../components/audit-chain";
import { auditTable } from "../components/audit-table";
import { errorNotice, loading } from "../components/notice";
import { type Child, h, replaceChildren } from "../dom";
import { plural } from "../format";
import type { PageModule } from "../router";
import type { AuditChain, AuditPage } from "../types";

const PAGE_SIZE = 50;
/** Suggestions for the action filter (it matches exactly); API calls read `POST /api/…`. */
const KNOWN_ACTIONS = [
  "run.started",
  "run.succeeded",
  "run.failed",
  "run.cancelled",
  "run.timed_out",
  "run.retried",
  "step.succeeded",
  "step.failed",
  "step.retrying",
  "step.skipped",
  "approval.decided",
  "approval.timed_out",
  "wait.matched",
];
const FILTERS = ["actor", "action", "target", "since"] as const;

export const auditPage: PageModule = ({ api, session, navigate }, _params, query) => {
  const head = h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "Audit"));
  if (!session.can("admin")) {
    return {
      title: "Audit",
      element: h(
        "section",
        {},
        head,
        h("p", { class: "notice notice-error", role: "alert" }, "The audit log is for admin tokens only."),
      ),
    };
  }
  const filter: AuditFilter = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) || undefined]));
  const cursor = query.get("cursor") || undefined;
  const chain = h("div", { "aria-live": "polite" }, loading("the chain's state"));
  const table = h("div", {}, loading("the audit log"));
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  let disposed = false;
  let brokenAt: number | undefined;

  async function load(): Promise<void> {
    const [verified, page] = await Promise.allSettled([
      api.verifyAudit(),
      api.listAudit({ ...filter, cursor, limit: PAGE_SIZE }),
    ]);
    if (disposed) return;
    if (verified.status === "fulfilled") showChain(verified.value);
    else replaceChildren(chain, errorNotice(verified.reason, "Could not verify the audit chain."));
    if (page.status === "rejected")
      return void replaceChildren(table, errorNotice(page.reason, "Could not load the audit log."));
    replaceChildren(table, auditTable(page.value.entries, brokenAt));
    replaceChildren(pager, pagerContent(filter, cursor, page.value));
  }

  function showChain(state: AuditChain): void {
    brokenAt = state.firstBreak?.seq;
    replaceChildren(chain, chainBanner(state));
  }

  void load();
  const element = h(
    "section",
    { class: "audit-page" },
    head,
    chain,
    filterForm(filter, navigate),
    exportTools(api, filter),
    table,
    pager,
  );
  return { title: "Audit", element, dispose: () => void (disposed = true) };
};

/** The filters as the URL has them; Filter goes to the URL of the new ones. */
function filterForm(filter: AuditFilter, navigate: (path: string) => void): HTMLFormElement {
  const input = (name: string, label: string, attributes: Record<string, string> = {}) => {
    const control = h("input", { id: `audit-${name}`, name, value: filterValue(name), ...attributes });
    return h("div", { class: "field" }, h("label", { for: control.id }, label), control);
  };
  const filterValue = (name: string) =>
    name === "since" ? toLocalInput(filter.since) : (filter[name as keyof AuditFilter] ?? "");
  const actions = h(
    "datalist",
    { id: "audit-actions" },
    KNOWN_ACTIONS.map((action) => h("option", { value: action })),
  );
  const form = h(
    "form",
    { class: "filters", "aria-label": "Filter the audit log" },
    input("actor", "Actor id", { placeholder: "token or run id" }),
    input("action", "Action", { list: "audit-actions", placeholder: "run.started" }),
    input("target", "Target", { placeholder: "/api/workflows/orders" }),
    input("since", "Since", { type: "datetime-local", step: "1" }),
    h(
      "div",
      { class: "field filter-buttons" },
      h("button", { type: "submit", class: "primary" }, "Filter"),
      h("a", { href: "/audit" }, "Clear"),
    ),
    actions,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const search = new URLSearchParams();
    for (const name of FILTERS) {
      const value = String(data.get(name) ?? "").trim();
      if (value !== "") search.set(name, name === "since" ? new Date(value).toISOString() : value);
    }
    navigate(`/audit${search.size > 0 ? `?${search}` : ""}`);
  });
  return form;
}

/** The Export NDJSON button (everything the filters match) and what became of the export. */
function exportTools(api: Api, filter: AuditFilter): HTMLElement {
  const exportFeedback = h("span", { "aria-live": "polite" });
  const exportButton = h("button", { type: "button" }, "Export NDJSON");
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    exportFeedback.textContent = "Preparing the export…";
    try {
      download(await api.exportAudit(filter), `waymark-audit-${new Date().toISOString().replace(/[:.]/g, "-")}.ndjson`);
      exportFeedback.textContent = "Exported.";
    } catch (error) {
      replaceChildren(exportFeedback, errorNotice(error, "The export failed."));
    } finally {
      exportButton.disabled = false;
    }
  });
  return h("div", { class: "audit-tools" }, exportButton, exportFeedback);
}

function pagerContent(filter: AuditFilter, cursor: string | undefined, page: AuditPage): Child[] {
  const newest = cursor ? h("a", { href: pathWith(filter, {}) }, "← Newest") : null;
  const older = page.nextCursor ? h("a", { href: pathWith(filter, { cursor: page.nextCursor }) }, "Older →") : null;
  return [
    newest,
    h(
      "span",
      { class: "muted" },
      page.entries.length === 0 ? "" : `${plural(page.entries.length, "entry", "entries")} on this page`,
    ),
    older,
  ];
}

/** This page's URL for the same filters, with `extra` (a cursor) or none. */
function pathWith(filter: AuditFilter, extra: { cursor?: string }): string {
  const search = new URLSearchParams(
    Object.entries({ ...filter, ...extra }).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== "",
    ),
  );
  return `/audit${search.size > 0 ? `?${search}` : ""}`;
}

/** Saves a blob as a file: a temporary blob: link the browser downloads (no CSP change needed). */
function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** An ISO time as a datetime-local value (local time, to the second). */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
