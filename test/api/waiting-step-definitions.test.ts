// Definitions of the waiting and composing steps: an approval's `notify` is a
// request template (secrets allowed, as in an http step's request), a wait's `match` must
// parse, and the JSON Schema for editors describes `notify`.
import { describe, expect, it } from "vitest";
import { call, expectJson } from "../support/workers/api";

interface ValidationResult {
  valid: boolean;
  issues: Array<{ path: string; message: string }>;
}

const validate = async (steps: unknown[]) =>
  expectJson<ValidationResult>(
    await call("POST", "/api/workflows/validate", { json: { id: "waiting-defs", triggers: [], steps } }),
    200,
  );
const notify = {
  url: "https://chat.example/hook",
  headers: { authorization: "Bearer {{ secrets.CHAT_TOKEN }}" },
  body: { text: "{{ approval.approveUrl }}" },
};

describe("waiting and composing step definitions", () => {
  it("accept an approval with a notify request that uses secrets, a wait and a workflow step", async () => {
    expect(
      await validate([
        { id: "ask", type: "approval", approvers: ["editor", "alice"], timeout: "2d", onTimeout: "fail", notify },
        {
          id: "paid",
          type: "wait",
          needs: ["ask"],
          event: "payment.received",
          match: "event.payload.order = input.order",
          lookback: "30m",
          timeout: "1h",
        },
        {
          id: "child",
          type: "workflow",
          needs: ["paid"],
          workflow: "invoice",
          version: 3,
          input: { order: "{{ input.order }}" },
        },
      ]),
    ).toEqual({ valid: true, issues: [] });
  });

  it("refuse secrets outside notify, an unknown notify field and a match that does not parse", async () => {
    const result = await validate([
      { id: "ask", type: "approval", approvers: ["{{ secrets.X }}"], notify: { ...notify, verb: "POST" } },
      { id: "paid", type: "wait", event: "e", match: "event.payload.(" },
    ]);
    expect(result.valid).toBe(false);
    expect(result.issues.map((issue) => issue.path).sort()).toEqual([
      "steps[0].approvers[0]",
      "steps[0].notify.verb",
      "steps[1].match",
    ]);
  });

  it("describe notify in the JSON Schema for editors", async () => {
    const schema = await expectJson(await call("GET", "/api/definition.schema.json", { token: null }), 200);
    expect(JSON.stringify(schema)).toContain("approval.approveUrl");
  });
});
