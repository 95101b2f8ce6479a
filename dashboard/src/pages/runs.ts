// Runs: filter by workflow, status and time; newest first; paged by cursor;
// live: the page re-reads its runs every few seconds while visible, marking new ones;
// the counts by status follow whenever the page changed, else a little less often.
// Filters live in the URL.
import type { RunFilter } from "../api";
import { countRunsByStatus, renderCounts, type StatusCount } from "../components/run-counts";
import { runsTable } from "../components/runs-table";
import { errorNotice, loading } from "../components/notice";
import { statusLabel } from "../components/status";
import { listWorkflowOptions } from "../components/workflow-options";
import { type Child, h, replaceChildren } from "../dom";
import { formatTime, plural } from "../format";
import type { PageModule } from "../router";
import { RUN_STATUSES, type RunSummary } from "../types";

const PAGE_SIZE = 25;
const REFRESH_MS = 3_000;
const COUNTS_EVERY = 5; // refreshes
const WINDOWS: Record<string, { label: string; ms: number }> = {
  "1h": { label: "Last hour", ms: 3_600_000 },
  "24h": { label: "Last 24 hours", ms: 86_400_000 },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000 },
  "30d": { label: "Last 30 days", ms: 30 * 86_400_000 },
};

interface View {
  workflow?: string;
  status?: string;
  /** A WINDOWS key, or an ISO time. */
  since?: string;
  cursor?: string;
}

export const runsPage: PageModule = ({ api }, _params, query) => {
  const view: View = {
    workflow: query.get("workflow") ?? undefined,
    status: query.get("status") ?? undefined,
    since: query.get("since") ?? undefined,
    cursor: query.get("cursor") ?? undefined,
  };
  const counts = h("div", { class: "counts", role: "group", "aria-label": "Runs by status (press to filter)" });
  const table = h("div", { class: "runs-table" }, loading("runs"));
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  const announcer = h("p", { class: "visually-hidden", "aria-live": "polite" });
  const { filters, workflowSelect, statusSelect } = filterForm(view, () => showView(true));

  const seen = runTracker();
  let lastCounts: StatusCount[] = [];
  let refreshes = 0;
  let inFlight = false;
  let disposed = false;

  const filterOf = (): RunFilter => ({ workflow: view.workflow, status: view.status, since: sinceTime(view.since) });

  async function refresh(withCounts: boolean): Promise<void> {
    if (inFlight || disposed) return;
    inFlight = true;
    try {
      const page = await api.listRuns({ ...filterOf(), limit: PAGE_SIZE, cursor: view.cursor });
      if (disposed) return;
      const { fresh, changed } = seen.see(page.runs);
      // Redrawn when something changed (and now and then for the times), keeping keyboard focus in place.
      if (changed || withCounts) redrawTable(table, page.runs, fresh);
      renderPager(page.nextCursor, page.runs);
      if (fresh.size > 0) announcer.textContent = `${plural(fresh.size, "new run")}`;
      if (withCounts || changed) {
        lastCounts = await countRunsByStatus(api, { workflow: view.workflow, since: sinceTime(view.since) });
        if (!disposed) renderCounts(counts, lastCounts, view.status, selectStatus);
      }
    } catch (error) {
      if (!disposed) replaceChildren(table, errorNotice(error, "Could not load the runs."));
    } finally {
      inFlight = false;
    }
  }

  let pagerKey = "";
  function renderPager(nextCursor: string | null, runs: readonly RunSummary[]): void {
    const key = `${view.cursor}|${nextCursor}|${runs.length}`;
    if (key === pagerKey) return;
    pagerKey = key;
    const go = (cursor: string | undefined) => {
      view.cursor = cursor;
      showView(true);
    };
    replaceChildren(pager, pagerContent(view.cursor, nextCursor, runs, go));
  }

  function selectStatus(status: string | undefined): void {
    view.status = status;
    view.cursor = undefined;
    statusSelect.value = status ?? "";
    showView(true);
  }

  /** Writes the view into the URL (so it can be shared and the back button works) and reloads. */
  function showView(push: boolean): void {
    const url = viewPath(view);
    if (push && url !== location.pathname + location.search) history.pushState(null, "", url);
    seen.reset();
    refreshes = 0;
    renderCounts(counts, lastCounts, view.status, selectStatus);
    void refresh(true);
  }

  listWorkflowOptions(api, workflowSelect, () => view.workflow);

  void refresh(true);
  const timer = setInterval(() => {
    if (document.visibilityState !== "visible") return;
    refreshes += 1;
    void refresh(refreshes % COUNTS_EVERY === 0);
  }, REFRESH_MS);

  const element = h("section", { class: "runs-page" }, pageHead(), counts, filters, table, pager, announcer);
  return {
    title: "Runs",
    element,
    dispose: () => {
      disposed = true;
      clearInterval(timer);
    },
  };
};

function pageHead(): HTMLElement {
  return h(
    "div",
    { class: "page-head" },
    h("h1", { tabindex: "-1" }, "Runs"),
    h("span", { class: "live-dot", title: `Refreshed every ${REFRESH_MS / 1000} s` }, "Live"),
  );
}

/**
 * The filters as the view has them (the workflow select lists the chosen one until
 * listWorkflowOptions fills it); a change goes into the view, back on the first page.
 */
function filterForm(view: View, changed: () => void) {
  const workflowSelect = select(
    "filter-workflow",
    [["", "All workflows"], ...(view.workflow ? [[view.workflow, view.workflow] as [string, string]] : [])],
    view.workflow,
  );
  const statusSelect = select(
    "filter-status",
    [["", "Any status"], ...RUN_STATUSES.map((status) => [status, statusLabel(status)] as [string, string])],
    view.status,
  );
  const custom: [string, string][] =
    view.since && !WINDOWS[view.since] ? [[view.since, `Since ${formatTime(view.since)}`]] : [];
  const sinceSelect = select(
    "filter-since",
    [
      ["", "Any time"],
      ...Object.entries(WINDOWS).map(([key, { label }]) => [key, label] as [string, string]),
      ...custom,
    ],
    view.since,
  );
  const filters = h(
    "form",
    { class: "filters", "aria-label": "Filter runs" },
    field("filter-workflow", "Workflow", workflowSelect),
    field("filter-status", "Status", statusSelect),
    field("filter-since", "Created", sinceSelect),
  );
  filters.addEventListener("submit", (event) => event.preventDefault());
  filters.addEventListener("change", () => {
    Object.assign(view, {
      workflow: workflowSelect.value || undefined,
      status: statusSelect.value || undefined,
      since: sinceSelect.value || undefined,
      cursor: undefined,
    });
    changed();
  });
  return { filters, workflowSelect, statusSelect };
}

/** Which runs of each read were not there before (since the last reset), and whether the page changed. */
function runTracker() {
  let known: Set<string> | undefined;
  let shown = "";
  return {
    see(runs: readonly RunSummary[]): { fresh: ReadonlySet<string>; changed: boolean } {
      const fresh = new Set(known ? runs.filter((run) => !known!.has(run.id)).map((run) => run.id) : []);
      known = new Set([...(known ?? []), ...runs.map((run) => run.id)]);
      const signature = runs.map((run) => `${run.id}:${run.status}`).join(",");
      const changed = signature !== shown;
      shown = signature;
      return { fresh, changed };
    },
    reset(): void {
      known = undefined;
      shown = "";
    },
  };
}

function redrawTable(table: HTMLElement, runs: readonly RunSummary[], fresh: ReadonlySet<string>): void {
  const focused = table.contains(document.activeElement)
    ? document.activeElement?.closest("tr")?.getAttribute("data-run-id")
    : undefined;
  replaceChildren(table, runsTable(runs, fresh));
  if (focused) table.querySelector<HTMLElement>(`tr[data-run-id="${CSS.escape(focused)}"] a`)?.focus();
}

function pagerContent(
  cursor: string | undefined,
  nextCursor: string | null,
  runs: readonly RunSummary[],
  go: (cursor: string | undefined) => void,
): Child[] {
  const newest = cursor ? h("button", { type: "button", onclick: () => go(undefined) }, "← Newest") : null;
  const older = nextCursor ? h("button", { type: "button", onclick: () => go(nextCursor) }, "Older →") : null;
  const count = h("span", { class: "muted" }, runs.length === 0 ? "" : `${plural(runs.length, "run")} on this page`);
  return [newest, count, older];
}

/** The view as a /runs URL: only the filters that are set. */
function viewPath(view: View): string {
  const search = new URLSearchParams(
    Object.entries(view).filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== ""),
  );
  return `/runs${search.size > 0 ? `?${search}` : ""}`;
}

function sinceTime(since: string | undefined): string | undefined {
  if (!since) return undefined;
  const window = WINDOWS[since];
  if (window) return new Date(Date.now() - window.ms).toISOString();
  return Number.isNaN(Date.parse(since)) ? undefined : new Date(since).toISOString();
}

function select(id: string, options: [string, string][], selected: string | undefined): HTMLSelectElement {
  return h(
    "select",
    { id, name: id },
    options.map(([value, label]) => h("option", { value, selected: value === (selected ?? "") }, label)),
  );
}

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}
