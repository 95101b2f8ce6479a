// Reading workflows: the list, one workflow with its definition, version,
// enabled flag and webhook URL, and the version history.
import { beforeAll, describe, expect, it } from "vitest";
import { longNap } from "../fixtures/workflows-api/long-nap";
import { orderIntake } from "../fixtures/workflows-api/order-intake";
import { webhookGreetingYaml } from "../fixtures/workflows-api/webhook-greeting";
import { call, expectJson, expectProblem, saveWorkflow, type WorkflowView } from "../support/workers/api";

interface VersionSummary {
  version: number;
  hash: string;
  createdAt: string;
  createdBy: string | null;
}

beforeAll(async () => {
  await saveWorkflow("read-intake", orderIntake);
  await saveWorkflow("read-intake", { ...orderIntake, description: "second version" });
  await expectJson(
    await call("PUT", "/api/workflows/read-hook", { raw: webhookGreetingYaml, contentType: "application/yaml" }),
    201,
  );
});

describe("the workflow list", () => {
  it("shows every workflow with its current version, without definitions", async () => {
    await saveWorkflow("read-listed", longNap);
    const { workflows } = await expectJson<{ workflows: WorkflowView[] }>(await call("GET", "/api/workflows"), 200);
    const byId = new Map(workflows.map((workflow) => [workflow.id, workflow]));
    expect(byId.get("read-intake")).toMatchObject({ version: 2, enabled: true, archived: false });
    expect(byId.get("read-listed")).toMatchObject({ version: 1 });
    expect(byId.get("read-intake")).not.toHaveProperty("definition");
  });
});

describe("one workflow", () => {
  it("comes with its current definition, version and enabled flag", async () => {
    const workflow = await expectJson<WorkflowView>(await call("GET", "/api/workflows/read-intake"), 200);
    expect(workflow).toMatchObject({ id: "read-intake", name: "Order intake", version: 2, enabled: true });
    expect(workflow.definition).toMatchObject({
      id: "read-intake",
      description: "second version",
      steps: orderIntake.steps,
    });
  });

  it("has no webhook URL without a webhook trigger", async () => {
    const workflow = await expectJson<WorkflowView>(await call("GET", "/api/workflows/read-intake"), 200);
    expect(workflow.webhookUrl).toBeNull();
  });

  it("shows the webhook URL on this origin when it has a webhook trigger", async () => {
    const workflow = await expectJson<WorkflowView>(await call("GET", "/api/workflows/read-hook"), 200);
    expect(workflow.webhookUrl).toBe("http://waymark.test/hooks/read-hook");
  });

  it("is 404 not_found when unknown", async () => {
    await expectProblem(await call("GET", "/api/workflows/read-nobody"), 404, "not_found");
  });
});

describe("the version history", () => {
  it("lists every version newest first, with distinct hashes and the author", async () => {
    const { versions } = await expectJson<{ versions: VersionSummary[] }>(
      await call("GET", "/api/workflows/read-intake/versions"),
      200,
    );
    expect(versions.map((version) => version.version)).toEqual([2, 1]);
    expect(versions[0]!.hash).not.toBe(versions[1]!.hash);
    expect(versions[0]!.createdBy).toBe("admin");
    expect(Number.isNaN(Date.parse(versions[0]!.createdAt))).toBe(false);
  });

  it("returns one version's own definition", async () => {
    const first = await expectJson<{ version: number; definition: Record<string, unknown> }>(
      await call("GET", "/api/workflows/read-intake/versions/1"),
      200,
    );
    expect(first.version).toBe(1);
    expect(first.definition).toMatchObject({ id: "read-intake", steps: orderIntake.steps });
    expect(first.definition).not.toHaveProperty("description");
  });

  it("is 404 for a version that does not exist and for an unknown workflow", async () => {
    await expectProblem(await call("GET", "/api/workflows/read-intake/versions/3"), 404, "not_found");
    await expectProblem(await call("GET", "/api/workflows/read-nobody/versions"), 404, "not_found");
  });

  it("refuses a version number that is not a positive integer with a 4xx problem", async () => {
    const response = await call("GET", "/api/workflows/read-intake/versions/first");
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });
});
