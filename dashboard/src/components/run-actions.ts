// The operator's controls on a run: cancel, retry in place, rerun, rerun from a step.
// Offered by status and only to operators and above; the server decides again.
import { h, replaceChildren } from "../dom";
import type { PageContext } from "../router";
import { isFinished, type RunView } from "../types";
import { errorNotice } from "./notice";

const RETRYABLE = ["failed", "timed_out", "cancelled"];

export interface RunActionsOptions {
  /** The run as a command answered it, to show before the live update arrives. */
  onChanged: (run: RunView) => void;
}

export function runActions(
  { api, session, navigate }: PageContext,
  run: RunView,
  options: RunActionsOptions,
): HTMLElement | null {
  if (!session.can("operator")) return null;
  const feedback = h("div", { class: "action-feedback", "aria-live": "polite" });
  const perform = (label: string, action: () => Promise<void>) => async (event: Event) => {
    const button = event.currentTarget as HTMLButtonElement;
    button.disabled = true;
    replaceChildren(feedback, h("span", { class: "muted", role: "status" }, `${label}…`));
    try {
      await action();
      replaceChildren(feedback);
    } catch (error) {
      replaceChildren(feedback, errorNotice(error, `${label} failed.`));
    } finally {
      button.disabled = false;
    }
  };
  const rerunTo = async (fromStep?: string) =>
    navigate(`/runs/${encodeURIComponent((await api.rerun(run.id, fromStep ? { fromStep } : {})).id)}`);

  const buttons: HTMLElement[] = [];
  if (!isFinished(run.status)) {
    buttons.push(
      h(
        "button",
        {
          type: "button",
          class: "danger",
          onclick: perform("Cancelling", async () =>
            confirm(`Cancel run ${run.id}?`) ? options.onChanged(await api.cancel(run.id)) : undefined,
          ),
        },
        "Cancel run",
      ),
    );
  }
  if (RETRYABLE.includes(run.status))
    buttons.push(
      h(
        "button",
        { type: "button", onclick: perform("Retrying", async () => options.onChanged(await api.retry(run.id))) },
        "Retry",
      ),
    );
  if (isFinished(run.status)) {
    buttons.push(h("button", { type: "button", onclick: perform("Starting a rerun", () => rerunTo()) }, "Rerun"));
    const stepIds = run.steps.filter((step) => !step.onFailure).map((step) => step.id);
    const from = h(
      "select",
      { id: "rerun-from", name: "rerun-from" },
      stepIds.map((id) => h("option", { value: id }, id)),
    );
    buttons.push(
      h(
        "span",
        { class: "inline-field" },
        h("label", { for: "rerun-from" }, "from step"),
        from,
        h(
          "button",
          { type: "button", onclick: perform("Starting a rerun", () => rerunTo(from.value)) },
          "Rerun from step",
        ),
      ),
    );
  }
  if (buttons.length === 0) return null;
  return h("div", { class: "run-actions", role: "group", "aria-label": "Run actions" }, buttons, feedback);
}
