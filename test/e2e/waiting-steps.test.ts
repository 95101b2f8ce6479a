// Waiting steps survive a crash of the whole stack (docs/durability.md): `wrangler dev` is
// SIGKILLed while an approval, an event wait and a sleeping child run wait, then restarted
// on the same state folder. The approval is decided through the API and through a signed
// link minted before the crash, the event resumes its wait, and the child's end reaches
// its parent.
import { describe, expect, it } from "vitest";
import { e2eApproval, e2eChild, e2eParent, e2eWait } from "../fixtures/e2e/waiting-steps";
import { useStack } from "../support/stack";
import { stepOf } from "../support/waymark-client";

const stack = useStack("waiting-steps");
const api = () => stack.current.api;

/** Polls the pending approvals (run ids) until `accept` holds. */
async function pollInbox(accept: (pending: string[]) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const inbox = await api().request<{ approvals: { runId: string }[] }>(
      "GET",
      "/api/approvals?status=pending&limit=200",
    );
    if (accept(inbox.body.approvals.map((entry) => entry.runId))) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("waiting steps across a crash", () => {
  it("approvals, waits and child runs all finish after a SIGKILL and restart", async () => {
    for (const definition of [e2eApproval, e2eWait, e2eChild, e2eParent]) await api().putWorkflow(definition);
    const byApi = await api().startRun("e2e-approval");
    const byLink = await api().startRun("e2e-approval");
    const waiting = await api().startRun("e2e-wait", { order: "W-1" });
    const parent = await api().startRun("e2e-parent", { name: "ada" });
    expect([byApi.status, byLink.status, waiting.status]).toEqual(["waiting", "waiting", "waiting"]);
    const withChild = await api().waitForRun(parent.id, (run) => Boolean(stepOf(run, "child").childRunId), {
      what: "the child run id",
    });
    const childId = stepOf(withChild, "child").childRunId!;
    await api().waitForRun(childId, (run) => run.status === "waiting", { what: "the child to sleep" });
    const links = await api().request<{ approveUrl: string }>("POST", `/api/runs/${byLink.id}/steps/approve/links`, {});
    expect(links.status).toBe(200);
    await pollInbox(
      (pending) => [byApi.id, byLink.id].every((id) => pending.includes(id)),
      "both approvals in the inbox",
    );

    await stack.current.kill();
    await stack.current.restart();

    const decided = await api().request("POST", `/api/runs/${byApi.id}/steps/approve/approve`, {
      comment: "after the restart",
    });
    expect(decided.status).toBe(200);
    const linkPath = new URL(links.body.approveUrl).pathname + new URL(links.body.approveUrl).search;
    const viaLink = await fetch(`${stack.current.url}${linkPath}`, { method: "POST" });
    expect(viaLink.status).toBe(200);
    // Resumed now (its waiter reached D1 before the crash) or by its lookback once the restarted run flushes it.
    const published = await api().request<{ resumed: string[] }>("POST", "/api/events", {
      name: "e2e.payment",
      payload: { order: "W-1", amount: 3 },
    });
    expect(published.status).toBe(202);

    expect(await api().waitForFinish(byApi.id)).toMatchObject({
      status: "succeeded",
      output: "shipped, approved by admin",
    });
    expect(await api().waitForFinish(byLink.id)).toMatchObject({
      status: "succeeded",
      output: "shipped, approved by link",
    });
    expect(await api().waitForFinish(waiting.id)).toMatchObject({
      status: "succeeded",
      output: { order: "W-1", amount: 3 },
    });
    expect(await api().waitForFinish(parent.id)).toMatchObject({ status: "succeeded", output: { rested: "ada" } });

    await pollInbox(
      (pending) => !pending.includes(byApi.id) && !pending.includes(byLink.id),
      "both approvals resolved in the inbox",
    );
  });
});
