// Bodies at the edge: size limit, content type and JSON syntax are checked before
// any route runs, so every malformed request gets a precise 4xx instead of a guess.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../env";
import { AppError } from "./problem";

export const MAX_BODY_BYTES = 10 * 1024 * 1024;
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const YAML_MEDIA_TYPES = new Set(["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"]);

export const limitBody: MiddlewareHandler<AppEnv> = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new AppError("payload_too_large", `the request body is larger than ${MAX_BODY_BYTES} bytes`);
  },
});

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

export const isYamlMediaType = (type: string) => YAML_MEDIA_TYPES.has(type);

/**
 * Requires JSON (or, with `allowYaml`, YAML) for any request that carries a body, and
 * parses JSON up front so a syntax error names where it is. No body at all reads as `{}`,
 * whatever the content type says.
 */
export function requireJsonBody(options: { allowYaml?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return next();
    const text = await c.req.text();
    if (text.length === 0) {
      // Hono's json() parses the cached text, so the empty body is cached as "{}".
      (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve("{}");
      return next();
    }
    const type = mediaType(c.req.header("content-type"));
    if (options.allowYaml && isYamlMediaType(type)) return next();
    if (!JSON_MEDIA_TYPE.test(type)) {
      const accepted = options.allowYaml ? "application/json or application/yaml" : "application/json";
      throw new AppError("unsupported_media_type", `send the body as ${accepted} (got ${type || "no content type"})`);
    }
    try {
      JSON.parse(text);
    } catch (error) {
      throw new AppError("bad_request", `the body is not valid JSON: ${(error as Error).message}`);
    }
    return next();
  };
}
