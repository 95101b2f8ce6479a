// The audit chain's state as a banner: intact with how many entries were checked, or the
// first break, prominent and announced, since a break means the log was tampered with.
import { h } from "../dom";
import { plural } from "../format";
import type { AuditChain } from "../types";

export function chainBanner(chain: AuditChain): HTMLElement {
  const pending =
    chain.unchained > 0
      ? h("span", { class: "muted" }, ` (${plural(chain.unchained, "newer entry", "newer entries")} not chained yet)`)
      : null;
  if (chain.valid) {
    return h(
      "div",
      { class: "notice notice-ok chain", role: "status", "data-chain": "intact" },
      h("strong", {}, "✓ Audit chain intact"),
      `, ${plural(chain.checked, "entry", "entries")} checked.`,
      pending,
    );
  }
  const where = chain.firstBreak
    ? [
        " at entry ",
        h("a", { href: `#audit-${chain.firstBreak.seq}`, class: "mono" }, `#${chain.firstBreak.seq}`),
        `: ${chain.firstBreak.reason}.`,
      ]
    : ".";
  return h(
    "div",
    { class: "notice notice-error chain", role: "alert", "data-chain": "broken" },
    h("strong", {}, "✕ Audit chain broken"),
    where,
    h(
      "p",
      {},
      `${plural(chain.checked, "entry", "entries")} before it verified. Entries from the break on cannot be trusted.`,
    ),
    pending,
  );
}
