// A workflow's version history (each changed save is version N+1): every version
// with its date and author; pick two to see what changed, as a line diff of their YAML.
// The pair lives in the URL (`?from=1&to=2`).
import { definitionToText } from "../components/definition-text";
import { diffView } from "../components/diff-view";
import { errorNotice, loading } from "../components/notice";
import { h, replaceChildren } from "../dom";
import { formatTime } from "../format";
import type { PageModule } from "../router";
import type { VersionSummary } from "../types";

export const versionsPage: PageModule = ({ api }, params, query) => {
  const id = params.id!;
  const list = h("div", {}, loading("the versions"));
  const diff = h("div", { class: "diff-region", role: "region", "aria-label": "Differences" });
  const definitions = new Map<number, Promise<string>>();
  let disposed = false;
  let from = Number(query.get("from")) || undefined;
  let to = Number(query.get("to")) || undefined;

  const textOf = (version: number) => {
    let text = definitions.get(version);
    if (!text)
      definitions.set(
        version,
        (text = api.workflowVersion(id, version).then((found) => definitionToText(found.definition, "yaml"))),
      );
    return text;
  };

  async function load(): Promise<void> {
    let versions: VersionSummary[];
    try {
      versions = await api.workflowVersions(id);
    } catch (error) {
      if (!disposed) replaceChildren(list, errorNotice(error, "Could not load the versions."));
      return;
    }
    if (disposed) return;
    const known = new Set(versions.map((version) => version.version));
    to = to && known.has(to) ? to : versions[0]?.version;
    from = from && known.has(from) ? from : (versions[1]?.version ?? to);
    const pick = (name: "from" | "to", version: number) => {
      if (name === "from") from = version;
      else to = version;
      void compare();
    };
    replaceChildren(list, versionTable(versions, { from, to }, pick));
    void compare();
  }

  async function compare(): Promise<void> {
    if (from === undefined || to === undefined) return;
    const pair = { from, to };
    history.replaceState(null, "", `/workflows/${encodeURIComponent(id)}/versions?from=${pair.from}&to=${pair.to}`);
    replaceChildren(diff, loading(`versions ${pair.from} and ${pair.to}`));
    try {
      const [oldText, newText] = await Promise.all([textOf(pair.from), textOf(pair.to)]);
      if (disposed || pair.from !== from || pair.to !== to) return;
      const title = `Changes from version ${pair.from} to version ${pair.to}`;
      replaceChildren(
        diff,
        h("h2", {}, title),
        pair.from === pair.to
          ? h("p", { class: "muted" }, "The same version on both sides: pick another to compare.")
          : diffView(oldText, newText, title),
      );
    } catch (error) {
      if (!disposed) replaceChildren(diff, errorNotice(error, "Could not load these versions."));
    }
  }

  void load();
  const element = h(
    "section",
    { class: "versions-page" },
    crumbs(id),
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, `Version history of ${id}`)),
    list,
    diff,
  );
  return { title: `Versions of ${id}`, element, dispose: () => void (disposed = true) };
};

function crumbs(id: string): HTMLElement {
  return h(
    "nav",
    { class: "crumbs", "aria-label": "Breadcrumb" },
    h("a", { href: "/workflows" }, "Workflows"),
    " › ",
    h("a", { href: `/workflows/${encodeURIComponent(id)}`, class: "mono" }, id),
    " › versions",
  );
}

/** Every version with a From and a To radio; `chosen` is checked, `pick` follows a change. */
function versionTable(
  versions: readonly VersionSummary[],
  chosen: { from: number | undefined; to: number | undefined },
  pick: (name: "from" | "to", version: number) => void,
): HTMLElement {
  const radio = (name: "from" | "to", version: number) =>
    h("input", {
      type: "radio",
      name: `diff-${name}`,
      value: version,
      checked: chosen[name] === version,
      "aria-label": `${name === "from" ? "Compare from" : "Compare to"} version ${version}`,
      onchange: () => pick(name, version),
    });
  const form = h(
    "form",
    { class: "table-wrap", "aria-label": "Pick two versions to compare" },
    h(
      "table",
      { class: "versions" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["From", "To", "Version", "Saved", "By"].map((title) => h("th", { scope: "col" }, title)),
        ),
      ),
      h(
        "tbody",
        {},
        versions.map((version) =>
          h(
            "tr",
            { "data-version": version.version },
            h("td", {}, radio("from", version.version)),
            h("td", {}, radio("to", version.version)),
            h("td", {}, `v${version.version}`),
            h("td", {}, h("time", { datetime: version.createdAt }, formatTime(version.createdAt))),
            h("td", {}, version.createdBy ?? "–"),
          ),
        ),
      ),
    ),
  );
  form.addEventListener("submit", (event) => event.preventDefault());
  return form;
}
