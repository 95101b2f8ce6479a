// Status as a badge: colour plus a glyph and the word, so it never relies on colour alone.
import { h } from "../dom";

const GLYPHS: Record<string, string> = {
  queued: "○",
  pending: "○",
  running: "▶",
  retrying: "↻",
  waiting: "‖",
  succeeded: "✓",
  failed: "✕",
  timed_out: "◔",
  cancelled: "⊘",
  skipped: "↷",
};

export function statusLabel(status: string): string {
  return status.replace(/_/g, " ");
}

export function statusBadge(status: string): HTMLElement {
  return h(
    "span",
    { class: `badge status-${safeClass(status)}` },
    h("span", { "aria-hidden": "true" }, GLYPHS[status] ?? "•"),
    " ",
    statusLabel(status),
  );
}

/** Statuses are known words, but a class name still must not carry anything else. */
export function safeClass(status: string): string {
  return status.replace(/[^a-z_]/g, "");
}
