// GET /api/runs/{id}/live: a WebSocket on which the run pushes a snapshot, then each
// transition's changes (see run/live.ts). The run's Durable Object holds the socket.
// Browsers authenticate with subprotocols `waymark.v1, waymark.token.<token>` (auth.ts);
// the answer then names `waymark.v1`, as the WebSocket handshake requires.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { runStub } from "../durable/run-stub";
import { isRunId } from "../run/ids";
import { LIVE_SUBPROTOCOL, offeredSubprotocols } from "./auth";
import { AppError, notFound } from "../core/problem";
import { problems, runIdParam } from "./schemas";

const liveRoute = createRoute({
  method: "get",
  path: "/api/runs/{id}/live",
  tags: ["runs"],
  summary: "Live updates over a WebSocket: a snapshot, then every transition's changed steps",
  request: { params: runIdParam },
  responses: {
    101: {
      description:
        'Switching protocols: messages are JSON `{type: "snapshot", run}` then `{type: "update", run, steps}`. A browser sends the token as subprotocols `waymark.v1, waymark.token.<token>`; the answer then selects `waymark.v1`.',
    },
    426: { description: "Not a WebSocket upgrade", content: { "application/problem+json": { schema: z.object({}) } } },
    ...problems,
  },
});

export function registerRunLiveRoute(app: OpenAPIHono<AppEnv>): void {
  app.openapi(liveRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!isRunId(id)) throw notFound(`run ${id}`);
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
      throw new AppError("upgrade_required", "open this URL as a WebSocket (Upgrade: websocket)");
    const response = await runStub(c.env, id).fetch(withoutSubprotocols(c.req.raw));
    if (response.status === 404) throw notFound(`run ${id}`);
    if (!offeredSubprotocols(c).includes(LIVE_SUBPROTOCOL) || !response.webSocket) return response as never;
    return new Response(null, {
      status: 101,
      webSocket: response.webSocket,
      headers: { "sec-websocket-protocol": LIVE_SUBPROTOCOL },
    }) as never;
  });
}

/** The run's object needs no credentials: the token offered as a subprotocol stays at the edge. */
function withoutSubprotocols(request: Request): Request {
  const headers = new Headers(request.headers);
  headers.delete("sec-websocket-protocol");
  headers.delete("authorization");
  return new Request(request, { headers });
}
