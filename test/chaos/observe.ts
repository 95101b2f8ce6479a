// What the checks look at, read through the public API: the run index per workflow, each
// run as its Durable Object tells it, and the wait for everything to settle.
import { pooled } from "../support/pool.ts";
import { FINISHED, type RunSummary, type RunView, type WaymarkClient } from "../support/waymark-client.ts";
import { WORKFLOWS, type ChaosWorkflow } from "./flows.ts";
import { acknowledgement, type Trigger } from "./senders.ts";

const PAGE = 200;
const POLL_MS = 500;

/** Every run of the workflow in the index, through GET /api/runs page after page. */
async function listAllRuns(api: WaymarkClient, workflow: string): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  let cursor: string | null = null;
  do {
    const page: { runs: RunSummary[]; nextCursor: string | null } = await api.listRuns({
      workflow,
      limit: PAGE,
      ...(cursor ? { cursor } : {}),
    });
    runs.push(...page.runs);
    cursor = page.nextCursor;
  } while (cursor);
  return runs;
}

export async function listEveryWorkflow(api: WaymarkClient): Promise<Map<ChaosWorkflow, RunSummary[]>> {
  const lists = await Promise.all(WORKFLOWS.map((workflow) => listAllRuns(api, workflow)));
  return new Map(WORKFLOWS.map((workflow, i) => [workflow, lists[i]!]));
}

export interface Settling {
  /** From the last restart to settled; null when the deadline came first. */
  afterMs: number | null;
  /** As last seen: asks still going, acknowledged runs missing from the index or not final there. */
  asksOpen: number;
  notListed: number;
  notFinal: number;
}

/**
 * Settled: no sender is still asking, and every acknowledged run is in the index with a final
 * status. Polled until then or `deadline`; the index can lag, so a failed read is a "not yet".
 */
export async function waitToSettle(
  api: WaymarkClient,
  triggers: Trigger[],
  asksOpen: () => number,
  since: number,
  deadline: number,
): Promise<Settling> {
  for (;;) {
    const seen = { asksOpen: asksOpen(), notListed: -1, notFinal: -1 };
    if (seen.asksOpen === 0) {
      const listed = await listEveryWorkflow(api).catch(() => null);
      if (listed) Object.assign(seen, unsettledRuns(triggers, listed));
      if (seen.notListed === 0 && seen.notFinal === 0) return { afterMs: Date.now() - since, ...seen };
    }
    if (Date.now() > deadline) return { afterMs: null, ...seen };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function unsettledRuns(triggers: Trigger[], listed: Map<ChaosWorkflow, RunSummary[]>) {
  const byId = new Map([...listed.values()].flat().map((run) => [run.id, run]));
  const runIds = triggers.map((t) => acknowledgement(t)?.runId).filter((id): id is string => Boolean(id));
  const summaries = runIds.map((id) => byId.get(id));
  return {
    notListed: summaries.filter((run) => !run).length,
    notFinal: summaries.filter((run) => run && !(FINISHED as readonly string[]).includes(run.status)).length,
  };
}

/** Each run as its Durable Object has it, or the error that reading it gave. */
export async function readRuns(api: WaymarkClient, ids: string[]): Promise<Map<string, RunView | string>> {
  const views = await pooled(ids, 8, (id) => api.getRun(id).catch((error: unknown) => String(error)));
  return new Map(ids.map((id, i) => [id, views[i]!]));
}
