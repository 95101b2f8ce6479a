// The one spelling of a secret inside run state: `{{ secrets.NAME }}` renders to a
// placeholder that only the task consumer, just before a request leaves, replaces.

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL delimits the placeholder precisely because no template can write it.
export const SECRET_PLACEHOLDER_PATTERN = /\u0000secret:([^\u0000]+)\u0000/g;

export function secretPlaceholder(name: string): string {
  return `\u0000secret:${name}\u0000`;
}

/**
 * Data from outside (run input, trigger metadata, step outputs and errors, event
 * payloads, comments) may not carry placeholders: the consumer would fill them with
 * real secrets. The NUL that opens one becomes U+FFFD, so only the engine's own
 * rendering of `{{ secrets.NAME }}` can produce a placeholder.
 */
export function neutralizePlaceholders<T>(value: T): T {
  if (typeof value === "string") return (value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value) as T;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = neutralizePlaceholders(item);
      changed ||= next !== item;
      return next;
    });
    return (changed ? out : value) as T;
  }
  if (value && typeof value === "object") {
    let changed = false;
    const entries = Object.entries(value).map(([key, item]) => {
      const safeKey = neutralizePlaceholders(key);
      const next = neutralizePlaceholders(item);
      changed ||= next !== item || safeKey !== key;
      return [safeKey, next] as const;
    });
    // fromEntries defines own properties, so a "__proto__" key stays data.
    return (changed ? Object.fromEntries(entries) : value) as T;
  }
  return value;
}
