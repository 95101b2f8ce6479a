// The workflow filter of the Runs and Metrics pages: a select that starts with the chosen
// workflow only (from the URL) and gets every workflow once the list arrives.
import type { Api } from "../api";
import { h, replaceChildren } from "../dom";

/** Fills `select` with every workflow, keeping the one chosen by then even if it is gone. */
export function listWorkflowOptions(api: Api, select: HTMLSelectElement, chosenNow: () => string | undefined): void {
  api.listWorkflows().then(
    (workflows) => {
      const chosen = chosenNow();
      const ids = new Set([...workflows.map((workflow) => workflow.id), ...(chosen ? [chosen] : [])]);
      replaceChildren(
        select,
        h("option", { value: "" }, "All workflows"),
        [...ids].sort().map((id) => h("option", { value: id, selected: id === chosen }, id)),
      );
    },
    () => undefined, // the filter still works by URL; the page shows any real error
  );
}
