// Cron through the Worker's own `scheduled` handler with a controlled clock:
// "30 2 * * *" in Europe/Paris across the 2027 DST changes, a 3-day outage, and a doubled
// tick. Each tick is the minute Cron Trigger at `scheduledTime`, with Date faked to that
// instant, so a run's createdAt tells which tick started it.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../../src/index";
import { scheduledRunId } from "../../../src/triggers/cron/scheduler";
import { call, expectJson, getRun, saveWorkflow } from "../../support/workers/api";

const MINUTE = 60_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

/** Minute-by-minute ticks cost about 25 ms each (four D1 queries). */
const TICKING_TIMEOUT_MS = 20_000;

const saved: string[] = [];

/** Saves a workflow whose only trigger is `30 2 * * *` in Paris, as of `now`. */
async function saveParisNightly(id: string, now: number): Promise<void> {
  vi.useFakeTimers({ toFake: ["Date"], now });
  saved.push(id);
  await saveWorkflow(id, {
    id,
    triggers: [{ type: "cron", schedule: "30 2 * * *", timezone: "Europe/Paris" }],
    steps: [{ id: "echo", type: "transform", expr: "input" }],
  });
}

// Ticks are global: archiving a test's workflow keeps later ticks (here or in other files) off it.
afterEach(async () => {
  vi.useRealTimers();
  for (const id of saved.splice(0)) await expectJson(await call("DELETE", `/api/workflows/${id}`), 200);
});

/** One invocation of the every-minute Cron Trigger, with the clock at its scheduled time. */
async function tick(scheduledTime: number): Promise<void> {
  vi.setSystemTime(scheduledTime);
  await worker.scheduled(createScheduledController({ scheduledTime, cron: "* * * * *" }), env);
}

async function tickEach(times: number[]): Promise<void> {
  for (const time of times) await tick(time);
}

/** Every minute from `from` to `to`, both included. */
function everyMinute(from: string, to: string): number[] {
  return Array.from({ length: (at(to) - at(from)) / MINUTE + 1 }, (_, i) => at(from) + i * MINUTE);
}

/** The minute before, at and after each UTC instant 02:30 or 03:00 Paris time can be on `day`. */
function aroundCandidates(day: string): number[] {
  return ["00:30", "01:00", "01:30"].flatMap((time) =>
    [-MINUTE, 0, MINUTE].map((offset) => at(`${day}T${time}:00Z`) + offset),
  );
}

interface Fired {
  id: string;
  scheduledTime: string;
  createdAt: string;
}

/** The workflow's runs, oldest first, with the scheduled time each was started for. */
async function firedRuns(workflowId: string): Promise<Fired[]> {
  const listed = await expectJson<{ runs: { id: string }[] }>(
    await call("GET", `/api/runs?workflow=${workflowId}`),
    200,
  );
  const runs = await Promise.all(listed.runs.map((run) => getRun(run.id)));
  return runs
    .map((run) => ({ id: run.id, scheduledTime: run.trigger.scheduledTime as string, createdAt: run.createdAt }))
    .sort((a, b) => a.scheduledTime.localeCompare(b.scheduledTime));
}

/** What a run fired on time for `scheduledTime` looks like: derived id, started by the tick of that minute. */
async function firedOnTime(workflowId: string, scheduledTime: string): Promise<Fired> {
  return { id: await scheduledRunId(workflowId, 0, at(scheduledTime)), scheduledTime, createdAt: scheduledTime };
}

describe("a 02:30 Paris schedule across daylight-saving changes", () => {
  it(
    "on the spring-forward night, when 02:30 does not exist, fires once at 03:00 CEST (the end of the gap)",
    async () => {
      await saveParisNightly("cron-clock-spring", at("2027-03-26T23:00:00Z"));
      await tickEach([
        ...aroundCandidates("2027-03-27"),
        ...everyMinute("2027-03-28T00:20:00Z", "2027-03-28T01:40:00Z"),
        ...aroundCandidates("2027-03-29"),
      ]);
      expect(await firedRuns("cron-clock-spring")).toEqual([
        await firedOnTime("cron-clock-spring", "2027-03-27T01:30:00.000Z"), // 02:30 CET
        await firedOnTime("cron-clock-spring", "2027-03-28T01:00:00.000Z"), // 03:00 CEST: 02:00–03:00 was skipped
        await firedOnTime("cron-clock-spring", "2027-03-29T00:30:00.000Z"), // 02:30 CEST
      ]);
    },
    TICKING_TIMEOUT_MS,
  );

  it(
    "on the fall-back night, when 02:30 happens twice, fires once, at the first 02:30 (CEST)",
    async () => {
      await saveParisNightly("cron-clock-autumn", at("2027-10-29T23:00:00Z"));
      await tickEach([
        ...aroundCandidates("2027-10-30"),
        ...everyMinute("2027-10-31T00:20:00Z", "2027-10-31T01:40:00Z"),
        ...aroundCandidates("2027-11-01"),
      ]);
      expect(await firedRuns("cron-clock-autumn")).toEqual([
        await firedOnTime("cron-clock-autumn", "2027-10-30T00:30:00.000Z"), // 02:30 CEST
        await firedOnTime("cron-clock-autumn", "2027-10-31T00:30:00.000Z"), // 02:30 CEST; not again at 02:30 CET (01:30Z)
        await firedOnTime("cron-clock-autumn", "2027-11-01T01:30:00.000Z"), // 02:30 CET
      ]);
    },
    TICKING_TIMEOUT_MS,
  );
});

describe("after three days without ticks", () => {
  it("one tick starts exactly one catch-up run, for the latest missed time, and the schedule carries on", async () => {
    await saveParisNightly("cron-clock-outage", at("2027-03-26T12:00:00Z"));
    // Missed: 27th 02:30 CET, 28th 03:00 CEST, 29th 02:30 CEST. The Worker comes back on the 29th at noon.
    await tickEach([at("2027-03-29T12:00:00Z"), at("2027-03-29T12:01:00Z")]);
    const latestMissed = "2027-03-29T00:30:00.000Z";
    expect(await firedRuns("cron-clock-outage")).toEqual([
      {
        id: await scheduledRunId("cron-clock-outage", 0, at(latestMissed)),
        scheduledTime: latestMissed,
        createdAt: "2027-03-29T12:00:00.000Z",
      },
    ]);

    await tickEach([at("2027-03-30T00:29:00Z"), at("2027-03-30T00:30:00Z")]);
    expect((await firedRuns("cron-clock-outage")).map((run) => run.scheduledTime)).toEqual([
      latestMissed,
      "2027-03-30T00:30:00.000Z",
    ]);
  });
});

describe("two invocations for the same minute", () => {
  it("start one run, whether they overlap or follow each other", async () => {
    await saveParisNightly("cron-clock-doubled", at("2027-06-01T00:00:00Z"));
    const due = at("2027-06-01T00:30:00Z"); // 02:30 CEST
    vi.setSystemTime(due);
    const controller = () => createScheduledController({ scheduledTime: due, cron: "* * * * *" });
    await Promise.all([worker.scheduled(controller(), env), worker.scheduled(controller(), env)]);
    await tick(due);
    expect(await firedRuns("cron-clock-doubled")).toEqual([await firedOnTime("cron-clock-doubled", iso(due))]);
  });
});
