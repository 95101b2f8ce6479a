// Action routes (approve, reject, cancel, retry, rerun, bulk retry and rerun) take no body
// as `{}`: none at all, an empty one of any content type (`curl -X POST -d ''` sends a
// form's), or an empty JSON one. A body in a type they do not read is 415
// unsupported_media_type, never a 400 of that title.
import { describe, expect, it } from "vitest";
import { signOffFlow } from "../fixtures/workflows-api/approvals";
import { failOnDemand } from "../fixtures/workflows-api/fail-on-demand";
import { call, expectJson, expectProblem, saveWorkflow, startRunThroughApi } from "../support/workers/api";

const EMPTY_BODIES = {
  "no body and no content type": {},
  "an empty form (curl -d '')": { raw: "", contentType: "application/x-www-form-urlencoded" },
  "an empty text body": { raw: "", contentType: "text/plain" },
  "an empty JSON body": { raw: "", contentType: "application/json" },
} as const;

describe.each(Object.entries(EMPTY_BODIES))("an action with %s", (_name, body) => {
  it("approves and rejects a waiting approval", async () => {
    await saveWorkflow("bodies-sign-off", signOffFlow());
    const approved = await startRunThroughApi("bodies-sign-off", {});
    expect(
      (
        await expectJson<{ run: { status: string } }>(
          await call("POST", `/api/runs/${approved.id}/steps/approve/approve`, body),
          200,
        )
      ).run.status,
    ).toBe("succeeded");
    const rejected = await startRunThroughApi("bodies-sign-off", {});
    await expectJson(await call("POST", `/api/runs/${rejected.id}/steps/approve/reject`, body), 200);
  });

  it("cancels, retries and reruns a run, and retries and reruns in bulk", async () => {
    await saveWorkflow("bodies-actions", failOnDemand);
    const run = await startRunThroughApi("bodies-actions", { input: { fail: true, n: 1 } });
    expect(run.status).toBe("failed");
    await expectJson(await call("POST", `/api/runs/${run.id}/retry`, body), 200);
    await expectJson(await call("POST", `/api/runs/${run.id}/rerun`, body), 202);
    const waiting = await startRunThroughApi("bodies-sign-off", {});
    await expectJson(await call("POST", `/api/runs/${waiting.id}/cancel`, body), 200);
    await expectJson(await call("POST", "/api/runs/retry", body), 200);
    await expectJson(await call("POST", "/api/runs/rerun", body), 200);
  });
});

describe("an action with a body in a type it does not read", () => {
  it("is 415 unsupported_media_type on every action route", async () => {
    await saveWorkflow("bodies-types", signOffFlow());
    const run = await startRunThroughApi("bodies-types", {});
    for (const path of [
      `/api/runs/${run.id}/steps/approve/approve`,
      `/api/runs/${run.id}/steps/approve/reject`,
      `/api/runs/${run.id}/cancel`,
      `/api/runs/${run.id}/retry`,
      `/api/runs/${run.id}/rerun`,
      "/api/runs/retry",
      "/api/runs/rerun",
    ])
      for (const contentType of ["text/plain", "application/x-www-form-urlencoded"])
        await expectProblem(
          await call("POST", path, { raw: "comment=ok", contentType }),
          415,
          "unsupported_media_type",
        );
  });
});
