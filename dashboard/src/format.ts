// Times and durations as people read them; the exact ISO time stays in a title.
const UNITS: [number, string][] = [
  [86_400_000, "d"],
  [3_600_000, "h"],
  [60_000, "m"],
  [1_000, "s"],
];

/** `850ms`, `4.2s`, `3m 05s`, `2h 10m`, `3d 4h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const index = UNITS.findIndex(([size]) => ms >= size);
  const [big, bigUnit] = UNITS[index]!;
  const [small, smallUnit] = UNITS[index + 1]!;
  const rest = Math.floor((ms % big) / small);
  return `${Math.floor(ms / big)}${bigUnit} ${String(rest).padStart(2, "0")}${smallUnit}`;
}

/** Local date and time, to the second. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, {
        year: "numeric",
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
}

/** `12s ago`, `5m ago`, `3h ago`, or the date when older than a day. */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "–";
  const elapsed = now - Date.parse(iso);
  if (!Number.isFinite(elapsed)) return iso;
  if (elapsed < 5_000) return "just now";
  if (elapsed >= 86_400_000) return formatTime(iso);
  return `${formatDuration(elapsed).split(" ")[0]} ago`;
}

/** Milliseconds between two ISO times, the end defaulting to now (still running). */
export function elapsedMs(
  startIso: string | null | undefined,
  endIso: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!startIso) return undefined;
  return (endIso ? Date.parse(endIso) : now) - Date.parse(startIso);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
