// What a workflow answers to, shared by the list and the workflow page: its triggers
// (cron schedules with their next fire times), its webhook URL with a copy button, and
// the enabled switch (editors; optimistic, put back if the server refuses).
import type { Api } from "../api";
import { h, replaceChildren } from "../dom";
import { formatTime } from "../format";
import type { ScheduleView, TriggerDefinition, WorkflowSummary } from "../types";
import { errorNotice } from "./notice";

/** One line per trigger; cron ones list up to `shownTimes` next fire times from `schedules`. */
export function triggerList(
  triggers: readonly TriggerDefinition[],
  schedules: readonly ScheduleView[] | undefined,
  shownTimes = 3,
): HTMLElement {
  if (triggers.length === 0) return h("span", { class: "muted" }, "none (child runs only)");
  return h(
    "ul",
    { class: "triggers" },
    triggers.map((trigger) => {
      if (trigger.type !== "cron")
        return h(
          "li",
          {},
          h("span", { class: "tag" }, trigger.type),
          trigger.type === "event" && trigger.name ? [" ", h("code", {}, trigger.name)] : null,
          trigger.type === "webhook" ? h("span", { class: "muted small" }, ` ${webhookScheme(trigger.verify)}`) : null,
        );
      const timezone = trigger.timezone ?? "UTC";
      const schedule = schedules?.find((item) => item.schedule === trigger.schedule && item.timezone === timezone);
      return h(
        "li",
        { class: "cron" },
        h("span", { class: "tag" }, "cron"),
        " ",
        h("code", {}, trigger.schedule ?? ""),
        h("span", { class: "muted small" }, ` ${timezone}`),
        schedule === undefined
          ? null
          : schedule.next.length === 0
            ? h("div", { class: "muted small" }, "not scheduled (disabled)")
            : h(
                "div",
                { class: "next-times small" },
                "Next: ",
                h(
                  "ul",
                  { class: "inline-list" },
                  schedule.next
                    .slice(0, shownTimes)
                    .map((time) => h("li", {}, h("time", { datetime: time, title: time }, formatTime(time)))),
                ),
              ),
      );
    }),
  );
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object";
const webhookScheme = (verify: unknown) =>
  isRecord(verify) && typeof verify.scheme === "string" && verify.scheme !== "none"
    ? `signed (${verify.scheme})`
    : "unsigned";

/** The URL in a read-only box and a Copy button; without clipboard access the text is selected for Ctrl+C. */
export function copyField(value: string, label: string): HTMLElement {
  const input = h("input", {
    type: "text",
    class: "mono copy-text",
    readonly: true,
    value,
    "aria-label": label,
    size: Math.min(value.length, 48),
  });
  const feedback = h("span", { class: "muted small", role: "status" });
  const button = h(
    "button",
    {
      type: "button",
      class: "copy",
      "aria-label": `Copy ${label}`,
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(value);
          feedback.textContent = "Copied";
        } catch {
          input.focus();
          input.select();
          feedback.textContent = "Selected: press Ctrl+C (⌘C) to copy";
        }
        setTimeout(() => (feedback.textContent = ""), 4000);
      },
    },
    "Copy",
  );
  return h("span", { class: "copy-field" }, input, button, feedback);
}

/** An on/off switch for editors, plain text for everyone else. */
export function enabledSwitch(
  api: Api,
  workflow: WorkflowSummary,
  mayEdit: boolean,
  onChanged?: (enabled: boolean) => void,
): HTMLElement {
  if (!mayEdit)
    return h("span", { class: `state ${workflow.enabled ? "on" : "off"}` }, workflow.enabled ? "Enabled" : "Disabled");
  let enabled = workflow.enabled;
  const feedback = h("span", { class: "switch-feedback" });
  const button: HTMLButtonElement = h(
    "button",
    {
      type: "button",
      role: "switch",
      class: "switch",
      "aria-checked": String(enabled),
      "aria-label": `Enabled: ${workflow.id}`,
      onclick: () => void toggle(),
    },
    h("span", { class: "switch-track", "aria-hidden": "true" }),
    h("span", { class: "switch-text" }, enabled ? "On" : "Off"),
  );
  const show = (value: boolean) => {
    button.setAttribute("aria-checked", String(value));
    button.querySelector(".switch-text")!.textContent = value ? "On" : "Off";
  };
  async function toggle(): Promise<void> {
    const wanted = !enabled;
    show(wanted);
    button.disabled = true;
    replaceChildren(feedback);
    try {
      enabled = (await api.setWorkflowEnabled(workflow.id, wanted)).enabled;
      onChanged?.(enabled);
    } catch (error) {
      replaceChildren(feedback, errorNotice(error, wanted ? "Could not enable it." : "Could not disable it."));
    } finally {
      show(enabled);
      button.disabled = false;
    }
  }
  return h("span", { class: "switch-wrap" }, button, feedback);
}
