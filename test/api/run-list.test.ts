// GET /api/runs: the run index in D1, filtered by workflow, status and time,
// newest first, paged with limit and nextCursor.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunView } from "../../src/core/engine/run-view";
import { longNap } from "../fixtures/workflows-api/long-nap";
import { orderIntake } from "../fixtures/workflows-api/order-intake";
import { call, expectJson, expectProblem, saveWorkflow, startRunThroughApi } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { waitForOutboxFlush } from "../support/workers/runs";

interface RunSummary {
  id: string;
  workflow: string;
  version: number;
  status: string;
  trigger: { type: string };
  createdAt: string;
}
interface RunPage {
  runs: RunSummary[];
  nextCursor: string | null;
}

const list = async (query: string) => expectJson<RunPage>(await call("GET", `/api/runs?${query}`), 200);
const ids = (page: RunPage) => page.runs.map((run) => run.id);

async function startSettled(workflow: string, input: unknown): Promise<RunView> {
  const run = await startRunThroughApi(workflow, { input });
  await waitForOutboxFlush(run.id);
  return run;
}

let finished: RunView[] = [];
let waiting: RunView[] = [];

beforeAll(async () => {
  await saveWorkflow("list-intake", orderIntake);
  await saveWorkflow("list-nap", longNap);
  finished = [];
  for (const orderId of ["1", "2", "3"]) finished.push(await startSettled("list-intake", { orderId }));
  waiting = [await startSettled("list-nap", {}), await startSettled("list-nap", {})];
});

afterEach(restoreClock);

describe("listing runs", () => {
  it("filters by workflow and shows each run's summary, newest first", async () => {
    const page = await list("workflow=list-intake");
    expect(ids(page)).toEqual(finished.map((run) => run.id).reverse());
    expect(page.runs[0]).toMatchObject({
      workflow: "list-intake",
      version: 1,
      status: "succeeded",
      trigger: { type: "api" },
    });
    expect(page.nextCursor).toBeNull();
  });

  it("filters by status, as the index follows each run", async () => {
    expect(ids(await list("workflow=list-nap&status=waiting"))).toEqual(waiting.map((run) => run.id).reverse());
    expect(ids(await list("workflow=list-intake&status=waiting"))).toEqual([]);
    const succeeded = await list("status=succeeded&limit=200");
    expect(succeeded.runs.length).toBeGreaterThan(0);
    expect(new Set(succeeded.runs.map((run) => run.status))).toEqual(new Set(["succeeded"]));
  });

  it("pages with limit and nextCursor, without gaps or repeats", async () => {
    const first = await list("workflow=list-intake&limit=2");
    expect(first.runs).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await list(`workflow=list-intake&limit=2&cursor=${first.nextCursor}`);
    expect(second.nextCursor).toBeNull();
    expect([...ids(first), ...ids(second)]).toEqual(finished.map((run) => run.id).reverse());
  });

  it("filters by creation time with since", async () => {
    await saveWorkflow("list-since", orderIntake);
    freezeClock();
    const old = await startSettled("list-since", { orderId: "old" });
    const cut = new Date(advanceClock(60 * 60_000)).toISOString();
    const recent = await startSettled("list-since", { orderId: "new" });
    expect(ids(await list(`workflow=list-since&since=${encodeURIComponent(cut)}`))).toEqual([recent.id]);
    expect(ids(await list("workflow=list-since"))).toEqual([recent.id, old.id]);
  });

  it("is empty for a workflow without runs", async () => {
    expect(await list("workflow=list-nobody")).toEqual({ runs: [], nextCursor: null });
  });

  it("refuses a bad status, limit or since with 400 naming the query field", async () => {
    for (const [query, field] of [
      ["status=sleeping", "query.status"],
      ["limit=0", "query.limit"],
      ["limit=201", "query.limit"],
      ["since=yesterday", "query.since"],
    ]) {
      const problem = await expectProblem(await call("GET", `/api/runs?${query}`), 400, "bad_request");
      expect(
        problem.issues?.map((issue) => issue.path),
        query,
      ).toContain(field);
    }
  });
});
