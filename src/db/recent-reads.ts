// Rows every trigger reads (a workflow's row, a webhook's secret), kept per isolate for a
// second so a burst of starts costs one D1 read, not one per start. A change made through
// this isolate applies at once (the API forgets every recent read after a change to
// workflows or secrets); one made through another isolate, within RECENT_READ_TTL_MS.

export const RECENT_READ_TTL_MS = 1_000;

const caches = new Set<RecentReads<unknown>>();

export class RecentReads<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(private readonly maxEntries = 1_000) {
    caches.add(this as RecentReads<unknown>);
  }

  /** The value read for `key` within the last second (concurrent readers share one read); a failed read is not kept. */
  read(key: string, now: number, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && now - hit.at < RECENT_READ_TTL_MS) return hit.value;
    const value = load();
    const entry = { at: now, value };
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
    value.catch(() => this.entries.get(key) === entry && this.entries.delete(key));
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** After a change to workflows or secrets: the next read of anything goes to D1. */
export function forgetRecentReads(): void {
  for (const cache of caches) cache.clear();
}
