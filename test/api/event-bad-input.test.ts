// Bad input to POST /api/events: a clear 4xx problem, nothing started or resumed.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../support/workers/api";

describe("publishing a bad event", () => {
  it.each([
    ["without a name", { payload: {} }],
    ["with an empty name", { name: "", payload: {} }],
    ["with a field it does not know", { name: "x", payload: {}, extra: 1 }],
  ])("%s is 422 validation_failed", async (_name, body) => {
    await expectProblem(await call("POST", "/api/events", { json: body }), 422, "validation_failed");
  });

  it("with a payload over 1 MiB is 413 payload_too_large", async () => {
    const problem = await expectProblem(
      await call("POST", "/api/events", { json: { name: "too-big", payload: { blob: "x".repeat(1024 * 1024) } } }),
      413,
      "payload_too_large",
    );
    expect(problem.detail).toMatch(/limit is 1048576/);
  });
});
