// Messages to the reader: errors as alerts (announced at once), progress as status.
import type { ApiError } from "../api";
import { h } from "../dom";

export function errorNotice(error: unknown, what: string): HTMLElement {
  const detail = error instanceof Error ? error.message : String(error);
  const code = (error as Partial<ApiError>).code;
  return h(
    "div",
    { class: "notice notice-error", role: "alert" },
    h("strong", {}, what),
    " ",
    detail,
    code ? h("span", { class: "muted" }, ` (${code})`) : null,
  );
}

export function loading(what: string): HTMLElement {
  return h("p", { class: "muted", role: "status" }, `Loading ${what}…`);
}
