// Delivery ids let a redelivered webhook find the run the first delivery started.
// They are read only after the signature checked out, so they cannot be forged.

/** A header's value as an id; empty values are no id. */
export function headerId(headers: Headers, name: string | undefined): string | null {
  if (!name) return null;
  const value = headers.get(name)?.trim();
  return value ? value : null;
}

/** A top-level string field of a JSON object body (Stripe `id`, Slack `event_id`); null otherwise. */
export function jsonBodyId(rawBody: Uint8Array, field: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(rawBody));
  } catch {
    return null; // form-encoded Slack payloads and the like carry no id
  }
  if (typeof body !== "object" || body === null) return null;
  const value = (body as Record<string, unknown>)[field];
  return typeof value === "string" && value !== "" ? value : null;
}
