// Reading what an HTTP step's server answered: a body read under a byte cap (streamed,
// so a huge answer is never buffered whole), parsed as JSON when it says it is JSON.

export interface CappedBody {
  bytes: Uint8Array;
  /** True when the body had more than `maxBytes` bytes; `bytes` holds the first `maxBytes`. */
  truncated: boolean;
}

/** Reads at most `maxBytes` of a body and cancels the rest of the stream. */
export async function readCappedBody(response: Response, maxBytes: number): Promise<CappedBody> {
  if (!response.body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: concatChunks(chunks, size), truncated: false };
    const room = maxBytes - size;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      await reader.cancel().catch(() => undefined);
      return { bytes: concatChunks(chunks, maxBytes), truncated: true };
    }
    chunks.push(value);
    size += value.byteLength;
  }
}

/** The body as a step output: parsed JSON for a JSON content type that parses, text otherwise. */
export function parseBody(bytes: Uint8Array, contentType: string | null): unknown {
  const text = decodeText(bytes, contentType);
  if (text === "" || !isJsonContentType(contentType)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `application/json`, `text/json` and any `+json` suffix (problem+json, vnd.api+json, …). */
function isJsonContentType(contentType: string | null): boolean {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  return mediaType === "application/json" || mediaType === "text/json" || mediaType.endsWith("+json");
}

/** Response headers as a plain object with lower-case names; repeated headers are joined with ", ". */
export function headersToObject(headers: Headers): Record<string, string> {
  const joined = new Map<string, string>();
  headers.forEach((value, name) => {
    const key = name.toLowerCase();
    const before = joined.get(key);
    joined.set(key, before === undefined ? value : `${before}, ${value}`);
  });
  return Object.fromEntries(joined);
}

export function decodeText(bytes: Uint8Array, contentType: string | null): string {
  const charset = /charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType ?? "")?.[1];
  try {
    return new TextDecoder(charset ?? "utf-8").decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}

function concatChunks(chunks: Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
