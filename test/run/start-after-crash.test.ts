// A run is created and started in two writes (the start's transition awaits expressions and
// R2): an object that dies between them must not leave the run queued for ever. Every run is
// created marked to start from its alarm, which the start itself clears by moving it on.
import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { StartCommand } from "../../src/durable/run-commands";
import { newRunId } from "../../src/run/ids";
import { resolveWorkflow } from "../../src/run/start-run";
import { transformChain } from "../fixtures/workflows-api/transform-chain";
import { saveWorkflow } from "../support/workers/api";
import { readAlarm, readRun, runStubFor } from "../support/workers/runs";

beforeAll(async () => {
  await saveWorkflow("start-after-crash", transformChain);
});

describe("a run whose object died after creating it and before starting it", () => {
  it("starts from its alarm once the object is back", async () => {
    const runId = newRunId(Date.now());
    const { version, definition } = await resolveWorkflow(env, "start-after-crash");
    const command: StartCommand = {
      runId,
      workflow: "start-after-crash",
      version,
      definition,
      input: { n: 2 },
      trigger: { type: "api" },
      createdAt: Date.now(),
    };
    // What `start` writes before its start transition, and nothing after: then the object dies.
    await runInDurableObject(runStubFor(runId), async (instance) => {
      await (instance as unknown as { createStartingSoon(command: StartCommand): Promise<void> }).createStartingSoon(
        command,
      );
    });
    await evictDurableObject(runStubFor(runId));
    expect((await readRun(runId)).status).toBe("queued");
    expect(await readAlarm(runId)).not.toBeNull();
    await runDurableObjectAlarm(runStubFor(runId));
    expect((await readRun(runId)).status).toBe("succeeded");
  });
});
