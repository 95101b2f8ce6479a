// GET /api/runs/{id}/live: a WebSocket that sends the run as it is, then each
// transition's changes as they happen; the listener survives the run's object sleeping.
import { runDurableObjectAlarm } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, expectProblem, saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { runStubFor, startRecordedRun } from "../support/workers/runs";
import { issueToken } from "../support/workers/tokens";

interface Message {
  type: "snapshot" | "update";
  run: { id: string; status: string; steps?: { id: string; status: string }[] };
  steps?: { id: string; status: string; output: unknown }[];
}

/** What a browser sends: it cannot set Authorization on a WebSocket, so the token rides as a subprotocol. */
const browserProtocols = (token: string) => ({
  upgrade: "websocket",
  "sec-websocket-protocol": `waymark.v1, waymark.token.${token}`,
});

async function listen(
  runId: string,
  headers: Record<string, string> = { upgrade: "websocket", authorization: `Bearer ${ADMIN_TOKEN}` },
): Promise<{ messages: Message[]; next: () => Promise<Message>; close: () => void }> {
  const response = await exports.default.fetch(`http://waymark.test/api/runs/${runId}/live`, { headers });
  expect(response.status).toBe(101);
  const socket = response.webSocket!;
  socket.accept();
  const messages: Message[] = [];
  const waiting: ((message: Message) => void)[] = [];
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data as string) as Message;
    messages.push(message);
    waiting.shift()?.(message);
  });
  let read = 0;
  const next = () =>
    read < messages.length
      ? Promise.resolve(messages[read++]!)
      : new Promise<Message>((resolve) => waiting.push((message) => (read++, resolve(message))));
  return { messages, next, close: () => socket.close(1000, "done") };
}

afterEach(() => restoreClock());

describe("live updates of a run", () => {
  it("send a snapshot, then the steps each transition changed, until the run finishes", async () => {
    freezeClock();
    await saveWorkflow("live-nap", {
      id: "live-nap",
      triggers: [],
      steps: [
        { id: "nap", type: "sleep", duration: "1h" },
        { id: "after", type: "transform", needs: ["nap"], expr: "'awake'" },
      ],
    });
    const { runId } = await startRecordedRun("live-nap");
    const live = await listen(runId);
    const snapshot = await live.next();
    expect(snapshot).toMatchObject({ type: "snapshot", run: { id: runId, status: "waiting" } });
    expect(snapshot.run.steps!.map((step) => step.status)).toEqual(["waiting", "pending"]);

    advanceClock(60 * 60 * 1000);
    expect(await runDurableObjectAlarm(runStubFor(runId))).toBe(true);
    const update = await live.next();
    expect(update.type).toBe("update");
    expect(update.run).toMatchObject({ id: runId, status: "succeeded" });
    expect(update.steps!.map((step) => [step.id, step.status])).toEqual([
      ["nap", "succeeded"],
      ["after", "succeeded"],
    ]);
    expect(update.steps![1]!.output).toBe("awake");
    live.close();
  });

  it("refuse a plain GET with 426 and an unknown run with 404", async () => {
    await expectProblem(
      await call("GET", "/api/runs/run_01JD3X5Q8R9W4Y7Z2B6C0N1M5K/live", { headers: { upgrade: "websocket" } }),
      404,
      "not_found",
    );
    const { runId } = await startRecordedRun("live-nap");
    await expectProblem(await call("GET", `/api/runs/${runId}/live`), 426, "upgrade_required");
  });

  it("need a viewer token", async () => {
    const response = await exports.default.fetch("http://waymark.test/api/runs/run_01JD3X5Q8R9W4Y7Z2B6C0N1M5K/live", {
      headers: { upgrade: "websocket" },
    });
    expect(response.status).toBe(401);
  });

  it("accept the token as a subprotocol from a browser, and answer with the waymark.v1 subprotocol", async () => {
    await saveWorkflow("live-nap", {
      id: "live-nap",
      triggers: [],
      steps: [
        { id: "nap", type: "sleep", duration: "1h" },
        { id: "after", type: "transform", needs: ["nap"], expr: "'awake'" },
      ],
    });
    const { runId } = await startRecordedRun("live-nap");
    const viewer = await issueToken("viewer");
    const response = await exports.default.fetch(`http://waymark.test/api/runs/${runId}/live`, {
      headers: browserProtocols(viewer.token),
    });
    expect(response.status).toBe(101);
    expect(response.headers.get("sec-websocket-protocol")).toBe("waymark.v1");
    response.webSocket!.accept();
    response.webSocket!.close(1000, "done");

    const live = await listen(runId, browserProtocols(ADMIN_TOKEN));
    expect(await live.next()).toMatchObject({ type: "snapshot", run: { id: runId } });
    live.close();
  });

  it("refuse a bad token in the subprotocol with 401, and take subprotocol tokens on the live upgrade only", async () => {
    const { runId } = await startRecordedRun("live-nap");
    await expectProblem(
      await exports.default.fetch(`http://waymark.test/api/runs/${runId}/live`, {
        headers: browserProtocols("wm_not_a_real_token"),
      }),
      401,
      "unauthorized",
    );
    await expectProblem(
      await exports.default.fetch(`http://waymark.test/api/runs/${runId}/live`, {
        headers: { upgrade: "websocket", "sec-websocket-protocol": "waymark.v1" },
      }),
      401,
      "unauthorized",
    );
    await expectProblem(
      await exports.default.fetch(`http://waymark.test/api/runs/${runId}/live`, {
        headers: { "sec-websocket-protocol": `waymark.v1, waymark.token.${ADMIN_TOKEN}` },
      }),
      401,
      "unauthorized",
    );
    await expectProblem(
      await exports.default.fetch(`http://waymark.test/api/runs/${runId}`, { headers: browserProtocols(ADMIN_TOKEN) }),
      401,
      "unauthorized",
    );
  });
});
