// Secrets travel through run state as placeholders, never as plaintext: the engine
// renders `{{ secrets.NAME }}` as "\u0000secret:NAME\u0000", the consumer swaps in the
// value just before the request leaves, and masks every value out of what it records.
import { NonRetryableError } from "../core/errors";
import { SECRET_PLACEHOLDER_PATTERN as PLACEHOLDER_PATTERN, secretPlaceholder } from "../core/secret-placeholder";

export { secretPlaceholder };

const MASK = "***";

/** Names of every secret placeholder in a JSON value (strings and keys), first occurrence first. */
export function secretNamesIn(value: unknown): string[] {
  const names = new Set<string>();
  mapStrings(value, (text) => {
    for (const match of text.matchAll(PLACEHOLDER_PATTERN)) names.add(match[1]!);
    return text;
  });
  return [...names];
}

/** Replaces every placeholder with its secret's value; a secret not in `secrets` fails the step. */
export function substituteSecrets<T>(value: T, secrets: Record<string, string>): T {
  return mapStrings(value, (text) =>
    text.replace(PLACEHOLDER_PATTERN, (_placeholder, name: string) => {
      if (!Object.hasOwn(secrets, name)) throw new NonRetryableError("secret_missing", `secret "${name}" is not set`);
      return secrets[name]!;
    }),
  );
}

/**
 * Replaces every occurrence of any secret value (and any leftover placeholder) with "***",
 * in strings and object keys alike. Values are also masked in their percent-encoded and
 * JSON-escaped forms, since a server echoing a query string or a JSON text shows them so.
 */
export function maskSecrets<T>(value: T, secretValues: readonly string[]): T {
  const needles = maskedForms(secretValues);
  return mapStrings(value, (text) => {
    let masked = text.replace(PLACEHOLDER_PATTERN, MASK);
    for (const needle of needles) if (masked.includes(needle)) masked = masked.split(needle).join(MASK);
    return masked;
  });
}

/** Longest first, so a secret that contains another is masked whole; empty values mask nothing. */
function maskedForms(secretValues: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secretValues) {
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  return [...forms].filter((form) => form !== "").sort((a, b) => b.length - a.length);
}

/** Rebuilds a JSON value with `transform` applied to every string and every object key. */
function mapStrings<T>(value: T, transform: (text: string) => string): T {
  return mapValue(value, transform) as T;
}

function mapValue(value: unknown, transform: (text: string) => string): unknown {
  if (typeof value === "string") return transform(value);
  if (Array.isArray(value)) return value.map((item) => mapValue(item, transform));
  if (value !== null && typeof value === "object") {
    // fromEntries defines own properties, so a "__proto__" key stays a plain key.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [transform(key), mapValue(item, transform)]));
  }
  return value;
}
