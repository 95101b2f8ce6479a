// POST /api/events: publish an event; every subscribed workflow starts a run.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { jsonByteLength } from "../core/limits";
import { publishEvent } from "../triggers/events";
import { AppError } from "../core/problem";
import { requireJsonBody } from "./request-body";
import { jsonContent, problems } from "./schemas";

const eventBody = z.strictObject({
  name: z.string().min(1).max(200).openapi({ example: "order.created" }),
  payload: z.unknown().optional(),
  key: z.string().min(1).max(200).optional().openapi({
    description:
      "Deduplicates: the same name and key within 24 h reach the same event and runs; a retry finishes what a failed first request left undone",
  }),
});

const outcome = z.object({
  eventId: z.string(),
  started: z.array(z.string()),
  resumed: z.array(z.string()),
  skipped: z.array(z.object({ workflow: z.string(), code: z.string(), message: z.string() })),
  duplicate: z.boolean(),
});

const publishRoute = createRoute({
  method: "post",
  path: "/api/events",
  tags: ["events"],
  summary: "Publish an event: start subscribed workflows",
  middleware: [requireJsonBody()] as const,
  request: { body: { required: true, content: { "application/json": { schema: eventBody } } } },
  responses: {
    200: jsonContent(outcome, "A repeated key: every run the event started"),
    202: jsonContent(outcome, "Runs started"),
    ...problems,
  },
});

/** Events are stored in D1 (one row each, for `wait` lookback), whose rows are capped at 2 MB. */
const MAX_EVENT_PAYLOAD_BYTES = 1024 * 1024;

export function registerEventRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(publishRoute, async (c) => {
    const event = c.req.valid("json");
    const bytes = jsonByteLength(event.payload);
    if (bytes > MAX_EVENT_PAYLOAD_BYTES)
      throw new AppError(
        "payload_too_large",
        `the event payload is ${bytes} bytes as JSON; the limit is ${MAX_EVENT_PAYLOAD_BYTES}`,
      );
    const result = await publishEvent(c.env, event, Date.now());
    return c.json(result, result.duplicate ? 200 : 202);
  });
}
