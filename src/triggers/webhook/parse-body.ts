// The webhook body as the trigger's `input` mapping sees it: JSON parsed, forms as
// objects (with Slack's JSON `payload` field opened), anything else as text.
import { assertBodyShape } from "../../core/request-limits";
import { AppError } from "../../core/problem";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;
const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";

/**
 * Parses a verified body by its content type; malformed UTF-8 or JSON is a 400, and so is
 * a structure past the API's depth and key-count limits.
 */
export function parseWebhookBody(rawBody: Uint8Array, contentType: string | null): unknown {
  const text = decodeUtf8(rawBody);
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const body = JSON_MEDIA_TYPE.test(type) ? parseJson(text) : type === FORM_MEDIA_TYPE ? parseForm(text) : text;
  assertBodyShape(body);
  return body;
}

function decodeUtf8(rawBody: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(rawBody);
  } catch {
    throw new AppError("bad_request", "the webhook body is not valid UTF-8");
  }
}

function parseJson(text: string): unknown {
  // Some senders post an empty JSON body as a ping; it maps to null rather than failing.
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError("bad_request", `the webhook body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Fields as strings, repeated fields as arrays; a `payload` holding JSON (Slack interactivity) is parsed. */
function parseForm(text: string): Record<string, unknown> {
  // A Map, then fromEntries: a field named __proto__ becomes data, not the object's prototype.
  const fields = new Map<string, string | string[]>();
  for (const [name, value] of new URLSearchParams(text)) {
    const previous = fields.get(name);
    fields.set(name, previous === undefined ? value : [previous, value].flat());
  }
  const form: Record<string, unknown> = Object.fromEntries(fields);
  if (typeof form.payload === "string") form.payload = parseJsonOrKeep(form.payload);
  return form;
}

function parseJsonOrKeep(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // a sender's own `payload` field need not be JSON
  }
}
