// Bodies at the edge: size limit, content type and JSON syntax are checked before
// any route runs, so every malformed request gets a precise 4xx instead of a guess.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./app-env";
import { assertBodyShape, bodyLimitFor } from "../core/request-limits";
import { AppError } from "../core/problem";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const YAML_MEDIA_TYPES = new Set(["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"]);

const bodyLimiters = new Map<number, MiddlewareHandler<AppEnv>>();

/** The size limit of the route's body (limits.ts), checked as the body streams in. */
export const limitBody: MiddlewareHandler<AppEnv> = (c, next) => {
  const maxSize = bodyLimitFor(c.req.method, c.req.path);
  let limiter = bodyLimiters.get(maxSize);
  if (!limiter) {
    limiter = bodyLimit({
      maxSize,
      onError: () => {
        throw new AppError(
          "payload_too_large",
          `the request body is larger than ${maxSize} bytes, the limit for this route`,
        );
      },
    });
    bodyLimiters.set(maxSize, limiter);
  }
  return limiter(c, next);
};

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

const isYamlMediaType = (type: string) => YAML_MEDIA_TYPES.has(type);

/**
 * Requires JSON (or, with `allowYaml`, YAML) for any request that carries a body, and
 * parses JSON up front so a syntax error names where it is and an over-deep or over-wide
 * body is refused (limits.ts; a YAML definition gets the same check once parsed). No body at all reads as `{}`,
 * whatever the content type says.
 */
export function requireJsonBody(options: { allowYaml?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return next();
    // Bytes, not text(): the runtime warns when a body of a non-text type is read as text.
    const text = new TextDecoder().decode(await c.req.arrayBuffer());
    if (text.length === 0) {
      // No body is `{}` whatever the content type says (`curl -X POST -d ''` sends a form's):
      // the request is made JSON, and Hono's json() parses the cached text.
      const headers = new Headers(c.req.raw.headers);
      headers.set("content-type", "application/json");
      c.req.raw = new Request(c.req.raw, { headers, body: "{}" });
      (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve("{}");
      return next();
    }
    const type = mediaType(c.req.header("content-type"));
    if (options.allowYaml && isYamlMediaType(type)) return next();
    if (!JSON_MEDIA_TYPE.test(type)) {
      const accepted = options.allowYaml ? "application/json or application/yaml" : "application/json";
      throw new AppError("unsupported_media_type", `send the body as ${accepted} (got ${type || "no content type"})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new AppError("bad_request", `the body is not valid JSON: ${(error as Error).message}`);
    }
    assertBodyShape(parsed);
    return next();
  };
}
