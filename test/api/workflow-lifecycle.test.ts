// Enabling, disabling and archiving workflows: a disabled or archived workflow
// starts nothing (409 workflow_disabled); archiving hides it from the list but keeps it readable.
import { describe, expect, it } from "vitest";
import { orderIntake } from "../fixtures/workflows-api/order-intake";
import {
  call,
  expectJson,
  expectProblem,
  saveWorkflow,
  startRunThroughApi,
  type WorkflowView,
} from "../support/workers/api";

const start = (id: string) => call("POST", `/api/workflows/${id}/runs`, { json: { input: { orderId: "A-1" } } });
const listIds = async (query = "") =>
  (await expectJson<{ workflows: WorkflowView[] }>(await call("GET", `/api/workflows${query}`), 200)).workflows.map(
    (w) => w.id,
  );

describe("disabling a workflow", () => {
  it("answers the workflow with enabled false", async () => {
    await saveWorkflow("life-disable", orderIntake);
    const workflow = await expectJson<WorkflowView>(
      await call("PATCH", "/api/workflows/life-disable", { json: { enabled: false } }),
      200,
    );
    expect(workflow).toMatchObject({ id: "life-disable", enabled: false });
    expect((await expectJson<WorkflowView>(await call("GET", "/api/workflows/life-disable"), 200)).enabled).toBe(false);
  });

  it("makes starting a run answer 409 workflow_disabled", async () => {
    await saveWorkflow("life-disabled-start", orderIntake);
    await expectJson(await call("PATCH", "/api/workflows/life-disabled-start", { json: { enabled: false } }), 200);
    await expectProblem(await start("life-disabled-start"), 409, "workflow_disabled");
  });

  it("is undone by enabling it again", async () => {
    await saveWorkflow("life-reenable", orderIntake);
    await expectJson(await call("PATCH", "/api/workflows/life-reenable", { json: { enabled: false } }), 200);
    await expectJson(await call("PATCH", "/api/workflows/life-reenable", { json: { enabled: true } }), 200);
    expect((await startRunThroughApi("life-reenable", { input: { orderId: "A-1" } })).status).toBe("succeeded");
  });

  it("refuses a body with other fields (422) and an unknown workflow (404)", async () => {
    await saveWorkflow("life-patch-bad", orderIntake);
    const problem = await expectProblem(
      await call("PATCH", "/api/workflows/life-patch-bad", { json: { enabled: false, name: "x" } }),
      422,
      "validation_failed",
    );
    expect(problem.issues).toEqual([expect.objectContaining({ path: "name" })]);
    await expectProblem(
      await call("PATCH", "/api/workflows/life-nobody", { json: { enabled: false } }),
      404,
      "not_found",
    );
  });
});

describe("archiving a workflow", () => {
  it("hides it from the list, which shows it again with ?archived=true", async () => {
    await saveWorkflow("life-archive", orderIntake);
    const archived = await expectJson<WorkflowView>(await call("DELETE", "/api/workflows/life-archive"), 200);
    expect(archived).toMatchObject({ id: "life-archive", archived: true });
    expect(await listIds()).not.toContain("life-archive");
    expect(await listIds("?archived=true")).toContain("life-archive");
  });

  it("keeps the workflow, its history and its runs readable", async () => {
    await saveWorkflow("life-archive-read", orderIntake);
    const run = await startRunThroughApi("life-archive-read", { input: { orderId: "A-2" } });
    await expectJson(await call("DELETE", "/api/workflows/life-archive-read"), 200);
    const workflow = await expectJson<WorkflowView>(await call("GET", "/api/workflows/life-archive-read"), 200);
    expect(workflow).toMatchObject({ archived: true, version: 1 });
    expect(workflow.definition).toMatchObject({ steps: orderIntake.steps });
    await expectJson(await call("GET", "/api/workflows/life-archive-read/versions/1"), 200);
    expect((await expectJson<{ id: string }>(await call("GET", `/api/runs/${run.id}`), 200)).id).toBe(run.id);
  });

  it("stops new runs with 409 workflow_disabled", async () => {
    await saveWorkflow("life-archive-start", orderIntake);
    await expectJson(await call("DELETE", "/api/workflows/life-archive-start"), 200);
    await expectProblem(await start("life-archive-start"), 409, "workflow_disabled");
  });

  it("is 404 for an unknown workflow", async () => {
    await expectProblem(await call("DELETE", "/api/workflows/life-nobody"), 404, "not_found");
  });
});
