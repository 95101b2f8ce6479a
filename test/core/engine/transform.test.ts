// Transform steps and their size limit: a transform's value is its output, within 10 MiB, and the
// same on a replay: $random and $shuffle are seeded from the run, the step and the attempt.
import { describe, expect, it } from "vitest";
import { RunHarness } from "./harness";

describe("transform steps", () => {
  it("a transform's output is the value of its expression over the run scope", async () => {
    const run = new RunHarness(
      { id: "t", triggers: [], steps: [{ id: "double", type: "transform", expr: "input.n * 2" }] },
      { input: { n: 21 } },
    );
    await run.start();
    expect(run.step("double")).toMatchObject({ status: "succeeded", output: 42 });
  });

  it("an output over 10 MiB fails the step with output_too_large, without retry", async () => {
    const run = new RunHarness(
      {
        id: "t",
        triggers: [],
        steps: [
          { id: "huge", type: "transform", expr: "$join([1..11].($pad('', 1048576, 'x')))", retry: { attempts: 3 } },
        ],
      },
      { input: {} },
    );
    await run.start();
    expect(run.step("huge")).toMatchObject({ status: "failed", error: { code: "output_too_large", retryable: false } });
    expect(run.step("huge").attempts).toHaveLength(1);
    expect(run.state.status).toBe("failed");
  });

  it("$random and $shuffle give the same output when the transition is replayed", async () => {
    const definition = {
      id: "t",
      triggers: [],
      steps: [{ id: "pick", type: "transform" as const, expr: "{ 'n': $random(), 'order': $shuffle([1..10]) }" }],
    };
    const outputOf = async (runId: string) => {
      const run = new RunHarness(definition, { id: runId });
      await run.start();
      expect(run.step("pick").status).toBe("succeeded");
      return run.step("pick").output;
    };
    const first = await outputOf("run_1");
    expect(await outputOf("run_1")).toEqual(first);
    expect(await outputOf("run_2")).not.toEqual(first);
  });
});
