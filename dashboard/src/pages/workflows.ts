// Workflows: every definition with its triggers (cron ones with their next
// fire times), webhook URL, enabled switch and latest version. Archived ones only on
// request. The list has no schedules, so workflows with a cron trigger are read one by one.
import { errorNotice, loading } from "../components/notice";
import { copyField, enabledSwitch, triggerList } from "../components/workflow-facts";
import { h, replaceChildren } from "../dom";
import { formatAgo } from "../format";
import type { PageContext, PageModule } from "../router";
import type { ScheduleView, WorkflowSummary } from "../types";

interface Row {
  readonly row: HTMLElement;
  readonly hasCron: boolean;
  loadSchedules(): Promise<void>;
}

export const workflowsPage: PageModule = (context, _params, query) => {
  const showArchived = query.get("archived") === "true";
  const table = h("div", { class: "workflows-list" }, loading("workflows"));
  let disposed = false;

  const archivedBox = h("input", { type: "checkbox", id: "show-archived", checked: showArchived });
  archivedBox.addEventListener("change", () => {
    history.replaceState(null, "", archivedBox.checked ? "/workflows?archived=true" : "/workflows");
    void load(archivedBox.checked);
  });

  async function load(archived: boolean): Promise<void> {
    replaceChildren(table, loading("workflows"));
    let workflows: WorkflowSummary[];
    try {
      workflows = await context.api.listWorkflows({ archived });
    } catch (error) {
      if (!disposed) replaceChildren(table, errorNotice(error, "Could not load the workflows."));
      return;
    }
    if (disposed) return;
    if (workflows.length === 0)
      return replaceChildren(
        table,
        h("p", { class: "empty" }, archived ? "No workflows yet." : "No workflows yet (archived ones are hidden)."),
      );
    const rows = workflows.map((workflow) => workflowRow(context, workflow, () => disposed));
    replaceChildren(table, workflowsTable(rows));
    // Next fire times are on each workflow's own page: fetched for the cron ones only.
    await Promise.all(rows.filter((item) => item.hasCron).map((item) => item.loadSchedules()));
  }

  void load(showArchived);
  const element = h(
    "section",
    { class: "workflows-page" },
    pageHead(context),
    h(
      "div",
      { class: "filters" },
      h("div", { class: "inline-field" }, archivedBox, h("label", { for: "show-archived" }, "Show archived")),
    ),
    table,
  );
  return { title: "Workflows", element, dispose: () => void (disposed = true) };
};

function pageHead({ session }: PageContext): HTMLElement {
  return h(
    "div",
    { class: "page-head" },
    h("h1", { tabindex: "-1" }, "Workflows"),
    session.can("editor") ? h("a", { class: "button primary", href: "/new-workflow" }, "New workflow") : null,
  );
}

function workflowsTable(rows: readonly Row[]): HTMLElement {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "workflows" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Workflow", "Triggers", "Webhook URL", "Enabled", "Version"].map((title) =>
            h("th", { scope: "col" }, title),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((item) => item.row),
      ),
    ),
  );
}

/** One workflow's row; its trigger cell is redrawn with the next fire times once they are read. */
function workflowRow({ api, session }: PageContext, workflow: WorkflowSummary, isDisposed: () => boolean): Row {
  const triggers = workflow.triggers ?? [];
  const triggerCell = h("td", {}, triggerList(triggers, undefined));
  const row = h(
    "tr",
    { "data-workflow-id": workflow.id, class: workflow.archived ? "archived" : null },
    h(
      "td",
      {},
      h("a", { href: `/workflows/${encodeURIComponent(workflow.id)}`, class: "workflow-name" }, workflow.name),
      h("div", { class: "mono muted small" }, workflow.id),
      workflow.archived ? h("span", { class: "tag" }, "archived") : null,
    ),
    triggerCell,
    h(
      "td",
      {},
      workflow.webhookUrl
        ? copyField(workflow.webhookUrl, `webhook URL of ${workflow.id}`)
        : h("span", { class: "muted" }, "–"),
    ),
    h(
      "td",
      {},
      workflow.archived
        ? h("span", { class: "muted" }, "archived")
        : enabledSwitch(api, workflow, session.can("editor"), () => void loadSchedules()),
    ),
    h(
      "td",
      {},
      h("a", { href: `/workflows/${encodeURIComponent(workflow.id)}/versions` }, `v${workflow.version}`),
      workflow.updatedAt ? h("div", { class: "muted small" }, formatAgo(workflow.updatedAt)) : null,
    ),
  );
  async function loadSchedules(): Promise<void> {
    let schedules: ScheduleView[];
    try {
      schedules = (await api.getWorkflow(workflow.id)).schedules;
    } catch {
      return; // the trigger still shows its expression
    }
    if (!isDisposed()) replaceChildren(triggerCell, triggerList(triggers, schedules));
  }
  return { row, hasCron: triggers.some((trigger) => trigger.type === "cron"), loadSchedules };
}
