// GET /api/workflows/{id} lists each cron schedule with its next five fire times;
// disabling the workflow stops them, and the minute tick starts due runs.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../../src/index";
import { call, expectJson, saveWorkflow } from "../../support/workers/api";

interface Schedules {
  schedules: { schedule: string; timezone: string; next: string[] }[];
}

const nightly = {
  id: "wf-cron",
  triggers: [{ type: "cron", schedule: "0 2 * * *", timezone: "Europe/Paris", input: { report: "daily" } }],
  steps: [{ id: "a", type: "transform", expr: "input" }],
};

describe("a workflow with a cron trigger", () => {
  it("shows its next five fire times in the schedule's time zone", async () => {
    await saveWorkflow("wf-cron", nightly);
    const view = await expectJson<Schedules>(await call("GET", "/api/workflows/wf-cron"), 200);
    expect(view.schedules).toHaveLength(1);
    expect(view.schedules[0]).toMatchObject({ schedule: "0 2 * * *", timezone: "Europe/Paris" });
    expect(view.schedules[0]!.next).toHaveLength(5);
    for (const time of view.schedules[0]!.next) {
      const paris = new Intl.DateTimeFormat("en-GB", {
        timeZone: "Europe/Paris",
        hour: "2-digit",
        minute: "2-digit",
      }).format(new Date(time));
      expect(paris).toBe("02:00");
    }
  });

  it("shows no fire times while disabled", async () => {
    await saveWorkflow("wf-cron-off", { ...nightly, id: "wf-cron-off" });
    const view = await expectJson<Schedules>(
      await call("PATCH", "/api/workflows/wf-cron-off", { json: { enabled: false } }),
      200,
    );
    expect(view.schedules.every((schedule) => schedule.next.length === 0)).toBe(true);
  });

  it("is started by the minute tick once its time has come, with the trigger's literal input", async () => {
    await saveWorkflow("wf-cron-tick", { ...nightly, id: "wf-cron-tick" });
    const due = await env.DB.prepare(
      "SELECT next_fire_at AS at FROM schedules WHERE workflow_id = 'wf-cron-tick'",
    ).first<{ at: number }>();
    await worker.scheduled(createScheduledController({ scheduledTime: due!.at + 30_000, cron: "* * * * *" }), env);
    const runs = await expectJson<{ runs: { id: string; trigger: { type: string } }[] }>(
      await call("GET", "/api/runs?workflow=wf-cron-tick"),
      200,
    );
    expect(runs.runs).toHaveLength(1);
    expect(runs.runs[0]!.trigger.type).toBe("cron");
    const run = await expectJson<{ input: unknown; trigger: Record<string, unknown> }>(
      await call("GET", `/api/runs/${runs.runs[0]!.id}`),
      200,
    );
    expect(run.input).toEqual({ report: "daily" });
    expect(run.trigger).toMatchObject({
      type: "cron",
      schedule: "0 2 * * *",
      timezone: "Europe/Paris",
      scheduledTime: new Date(due!.at).toISOString(),
    });
  });
});
