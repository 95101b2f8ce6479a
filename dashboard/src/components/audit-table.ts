// Audit entries newest first: when, who, what, on what, with what result, and each
// entry's detail as collapsible JSON. Every value is text (entries hold request paths and
// comments people typed).
import { h } from "../dom";
import { formatTime } from "../format";
import type { AuditEntry } from "../types";
import { jsonView } from "./json-view";

export function auditTable(entries: readonly AuditEntry[], brokenAt: number | undefined): HTMLElement {
  if (entries.length === 0) return h("p", { class: "empty" }, "No audit entries match these filters.");
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": "Audit entries", tabindex: "0" },
    h(
      "table",
      { class: "audit" },
      h("caption", { class: "visually-hidden" }, "Audit entries, newest first"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["#", "When", "Actor", "Action", "Target", "Result", "Detail"].map((name) => h("th", { scope: "col" }, name)),
        ),
      ),
      h(
        "tbody",
        {},
        entries.map((entry) => entryRow(entry, brokenAt !== undefined && entry.seq >= brokenAt)),
      ),
    ),
  );
}

function entryRow(entry: AuditEntry, untrusted: boolean): HTMLElement {
  return h(
    "tr",
    {
      id: `audit-${entry.seq}`,
      class: untrusted ? "untrusted" : null,
      "data-seq": entry.seq,
      "data-action": entry.action,
    },
    h(
      "td",
      { class: "mono" },
      String(entry.seq),
      entry.hash === null ? h("span", { class: "muted small", title: "Not chained yet" }, " ○") : null,
    ),
    h("td", {}, h("time", { datetime: entry.at }, formatTime(entry.at))),
    h("td", {}, actorOf(entry), entry.actor.role ? h("span", { class: "muted small" }, ` ${entry.actor.role}`) : null),
    h("td", { class: "mono" }, entry.action),
    h(
      "td",
      { class: "mono target" },
      entry.runId ? h("a", { href: `/runs/${encodeURIComponent(entry.runId)}` }, entry.target) : entry.target,
    ),
    h("td", {}, entry.result ?? "–"),
    h("td", {}, detailOf(entry)),
  );
}

function actorOf(entry: AuditEntry): string {
  const { actor } = entry;
  if (actor.name) return actor.name;
  return actor.id ? `${actor.type} ${actor.id}` : actor.type;
}

/** The entry's own detail as JSON, then where it came from and its place in the chain. */
function detailOf(entry: AuditEntry): HTMLElement {
  const fact = (term: string, value: string | null, title?: string) =>
    value === null ? null : h("div", {}, h("dt", {}, term), h("dd", { class: "mono", title: title ?? null }, value));
  return h(
    "details",
    { class: "audit-detail" },
    h("summary", {}, entry.detail === null ? "Entry" : "Detail"),
    entry.detail === null ? null : jsonView(entry.detail, `Detail of entry ${entry.seq}`),
    h(
      "dl",
      { class: "audit-facts" },
      fact("Actor", [entry.actor.type, entry.actor.id, entry.actor.name].filter((part) => part !== null).join(" · ")),
      fact("Request", entry.requestId),
      fact("Client IP", entry.clientIp),
      fact("Hash", entry.hash === null ? "not chained yet" : `${entry.hash.slice(0, 16)}…`, entry.hash ?? undefined),
      fact("Previous", entry.prevHash === null ? null : `${entry.prevHash.slice(0, 16)}…`, entry.prevHash ?? undefined),
    ),
  );
}
