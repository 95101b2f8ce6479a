// Inputs, outputs and task requests over 64 KiB live in R2; the run's rows and
// queue messages carry `{ $blob }` references, and the API still returns the values.
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectJson, saveWorkflow } from "../support/workers/api";
import { readRun, runStubFor, startRecordedRun } from "../support/workers/runs";

const BIG = "x".repeat(80 * 1024);

async function storedRow(runId: string, sql: string): Promise<string> {
  return runInDurableObject(
    runStubFor(runId),
    (_instance, state) => state.storage.sql.exec<{ value: string }>(sql).one().value,
  );
}

describe("payloads over 64 KiB", () => {
  it("a large step output is stored in R2, referenced in the step's row, and read back whole", async () => {
    await saveWorkflow("blob-output", {
      id: "blob-output",
      triggers: [],
      steps: [{ id: "big", type: "transform", expr: "$pad('', 81920, 'x')" }],
    });
    const { runId } = await startRecordedRun("blob-output");
    const row = JSON.parse(await storedRow(runId, "SELECT state AS value FROM steps WHERE id = 'big'")) as {
      output: { $blob: string; bytes: number };
    };
    expect(row.output).toEqual({ $blob: `runs/${runId}/steps/big/output.json`, bytes: BIG.length + 2 });
    expect(await (await env.BLOBS.get(row.output.$blob))!.json()).toBe(BIG);
    expect((await readRun(runId)).steps[0]!.output).toBe(BIG);
  });

  it("a large run input is stored in R2 and survives the object being evicted", async () => {
    await saveWorkflow("blob-input", {
      id: "blob-input",
      triggers: [],
      steps: [{ id: "size", type: "transform", expr: "$length(input.text)" }],
    });
    const { runId } = await startRecordedRun("blob-input", { text: BIG });
    expect(JSON.parse(await storedRow(runId, "SELECT value FROM meta WHERE key = 'input'"))).toMatchObject({
      $blob: `runs/${runId}/input.json`,
    });
    await evictDurableObject(runStubFor(runId));
    const run = await expectJson<{ input: { text: string }; steps: { output: unknown }[] }>(
      await call("GET", `/api/runs/${runId}`),
      200,
    );
    expect(run.input.text).toBe(BIG);
    expect(run.steps[0]!.output).toBe(BIG.length);
  });

  it("a task whose request is large travels with the request in R2", async () => {
    await saveWorkflow("blob-task", {
      id: "blob-task",
      triggers: [],
      steps: [
        {
          id: "post",
          type: "http",
          request: { method: "POST", url: "https://receiver.example/", body: { text: "{{ input.text }}" } },
        },
      ],
    });
    const { dispatched } = await startRecordedRun("blob-task", { text: BIG });
    expect(dispatched).toHaveLength(1);
    const reference = dispatched[0]!.request as { $blob: string };
    expect(reference.$blob).toMatch(/^runs\/run_\w+\/tasks\/post-1\.json$/);
    expect(JSON.stringify(dispatched[0]).length).toBeLessThan(1024);
    expect(((await (await env.BLOBS.get(reference.$blob))!.json()) as { body: { text: string } }).body.text).toBe(BIG);
  });
});
