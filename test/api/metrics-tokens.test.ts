// GET /api/metrics counts model tokens: the usage each llm attempt reports is
// summed on its run, written to the run index, and totalled per workflow with its cost.
import { describe, expect, it } from "vitest";
import { call, expectJson, saveWorkflow } from "../support/workers/api";
import { startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";
import { uniqueName } from "../support/workers/tokens";

const PRICED = uniqueName("tokens-priced");
const UNPRICED = uniqueName("tokens-unpriced");
const llm = (id: string, pricing?: object) => ({
  id,
  triggers: [],
  steps: [{ id: "ask", type: "llm", provider: "openai", model: "m", prompt: "hi", ...(pricing ? { pricing } : {}) }],
});

interface TokenStats {
  workflow: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

describe("token totals in the metrics", () => {
  it("sums each run's tokens and cost per workflow; unpriced usage has a null cost", async () => {
    await saveWorkflow(PRICED, llm(PRICED, { input: 1, output: 2 }));
    await saveWorkflow(UNPRICED, llm(UNPRICED));
    const usages = [
      [PRICED, { inputTokens: 1000, outputTokens: 100, costUsd: 0.0012 }],
      [PRICED, { inputTokens: 500, outputTokens: 50, costUsd: 0.0006 }],
      [UNPRICED, { inputTokens: 7, outputTokens: 3 }],
    ] as const;
    for (const [workflow, usage] of usages) {
      const run = await startRecordedRun(workflow);
      await run.stub.report({ stepId: "ask", attempt: 1, outcome: { ok: true, output: { text: "hello" }, usage } });
      await waitForOutboxFlush(run.runId);
    }
    const metrics = await expectJson<{ workflows: TokenStats[] }>(await call("GET", "/api/metrics?window=1h"), 200);
    const of = (workflow: string) => metrics.workflows.find((stats) => stats.workflow === workflow);
    expect(of(PRICED)).toMatchObject({ inputTokens: 1500, outputTokens: 150, costUsd: 0.0018 });
    expect(of(UNPRICED)).toMatchObject({ inputTokens: 7, outputTokens: 3, costUsd: null });
  });
});
