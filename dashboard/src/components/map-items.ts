// A map step's items, one page at a time (GET /api/runs/{id}/steps/{stepId}/items): index,
// status, the item, its output or error, attempts. Loaded when opened and on request
// only, so a 10,000-item map costs the page nothing until someone looks.
import type { Api } from "../api";
import { h, replaceChildren } from "../dom";
import type { MapItemView } from "../types";
import { errorNotice, loading } from "./notice";
import { statusBadge } from "./status";

const PAGE = 50;
const FILTERS = ["", "running", "failed", "succeeded", "pending", "skipped", "cancelled"] as const;
const PREVIEW_CHARS = 120;

export class MapItems {
  readonly element: HTMLDetailsElement;
  private readonly status: HTMLSelectElement;
  private readonly rows = h("tbody");
  private readonly footer = h("div", { class: "actions" });
  private cursor: string | null = null;
  private loaded = false;

  constructor(
    private readonly api: Api,
    private readonly runId: string,
    private readonly stepId: string,
  ) {
    const id = `items-status-${stepId}`;
    this.status = h("select", { id, name: "status" });
    for (const value of FILTERS) this.status.append(h("option", { value }, value === "" ? "all" : value));
    this.status.addEventListener("change", () => void this.reload());
    const refresh = h("button", { type: "button", onclick: () => void this.reload() }, "Refresh");
    const table = h(
      "table",
      { class: "items-table" },
      h("caption", { class: "visually-hidden" }, `Items of ${stepId}`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["#", "Status", "Item", "Output or error", "Attempts"].map((name) => h("th", { scope: "col" }, name)),
        ),
      ),
      this.rows,
    );
    this.element = h(
      "details",
      { class: "map-items" },
      h("summary", {}, "Items"),
      h("div", { class: "filters" }, h("label", { for: id }, "Status "), this.status, refresh),
      h("div", { class: "table-wrap" }, table),
      this.footer,
    );
    this.element.addEventListener("toggle", () => {
      if (this.element.open && !this.loaded) void this.reload();
    });
  }

  private async reload(): Promise<void> {
    this.loaded = true;
    this.cursor = null;
    replaceChildren(this.rows);
    await this.more();
  }

  private async more(): Promise<void> {
    replaceChildren(this.footer, loading("items"));
    try {
      const page = await this.api.mapItems(this.runId, this.stepId, {
        status: this.status.value || undefined,
        cursor: this.cursor ?? undefined,
        limit: PAGE,
      });
      this.rows.append(...page.items.map(itemRow));
      this.cursor = page.nextCursor;
      replaceChildren(
        this.footer,
        page.items.length === 0 && this.rows.childElementCount === 0 ? h("p", { class: "muted" }, "No items.") : null,
        this.cursor === null ? null : h("button", { type: "button", onclick: () => void this.more() }, "More items"),
      );
    } catch (error) {
      replaceChildren(this.footer, errorNotice(error, "The items could not be loaded."));
    }
  }
}

function itemRow(item: MapItemView): HTMLElement {
  const result = item.error
    ? `${item.error.code}: ${item.error.message}`
    : item.output === null
      ? "–"
      : preview(item.output);
  return h(
    "tr",
    { "data-index": String(item.index) },
    h("td", {}, String(item.index)),
    h("td", {}, statusBadge(item.status)),
    h("td", { class: "mono" }, preview(item.item)),
    h("td", { class: item.error ? "mono error-text" : "mono" }, result),
    h("td", {}, String(item.attempts.length)),
  );
}

/** Compact JSON, cut short: the full values are in the API. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}
