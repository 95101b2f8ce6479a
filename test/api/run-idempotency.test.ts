// Idempotency-Key on run start (as in the IETF Idempotency-Key draft): a repeat with the same
// key and body replays the first run; a different body is 422; a key still being handled is 409,
// but never for longer than the request it protects: a retry finishes what a first request
// that died left claimed, with the run id the claim carries.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { canonicalJson, sha256Hex } from "../../src/core/canonical-json";
import { intakeOfKey } from "../../src/durable/intake-stub";
import { claimOn, inShardOf } from "../support/workers/intake";
import type { RunView } from "../../src/core/engine/run-view";
import { orderIntake } from "../fixtures/workflows-api/order-intake";
import { call, expectJson, expectProblem, saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";

const start = (workflow: string, key: string, input: unknown) =>
  call("POST", `/api/workflows/${workflow}/runs`, { json: { input }, headers: { "idempotency-key": key } });
const runsOf = async (workflow: string) =>
  (await expectJson<{ runs: Array<{ id: string }> }>(await call("GET", `/api/runs?workflow=${workflow}`), 200)).runs;

afterEach(restoreClock);

/** Claims `key` as a first request does and then dies before its run exists; returns the claimed run id. */
async function claimAsADyingRequest(workflow: string, key: string, input: unknown): Promise<string> {
  const requestHash = await sha256Hex(canonicalJson({ input, version: null }));
  const claim = await intakeOfKey(env, `idem:${workflow}:${key}`).claim({
    key: `idem:${workflow}:${key}`,
    requestHash,
  });
  return claim.runId;
}

describe("a repeated start with the same Idempotency-Key", () => {
  it("answers 200 with the first run and Idempotent-Replayed: true, starting nothing new", async () => {
    await saveWorkflow("idem-replay", orderIntake);
    const first = await start("idem-replay", "order-A-1", { orderId: "A-1" });
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const { run } = await expectJson<{ run: RunView }>(first, 202);
    const repeat = await start("idem-replay", "order-A-1", { orderId: "A-1" });
    expect(repeat.headers.get("idempotent-replayed")).toBe("true");
    const replayed = await expectJson<{ run: RunView }>(repeat, 200);
    expect(replayed.run.id).toBe(run.id);
    expect(replayed.run.input).toEqual({ orderId: "A-1" });
    expect((await runsOf("idem-replay")).map((r) => r.id)).toEqual([run.id]);
  });

  it("with a different body is refused with 422 idempotency_conflict", async () => {
    await saveWorkflow("idem-conflict", orderIntake);
    await expectJson(await start("idem-conflict", "k-1", { orderId: "A-1" }), 202);
    await expectProblem(await start("idem-conflict", "k-1", { orderId: "B-2" }), 422, "idempotency_conflict");
    expect(await runsOf("idem-conflict")).toHaveLength(1);
  });

  it("while the first request is still being handled is refused with 409 and Retry-After", async () => {
    await saveWorkflow("idem-in-flight", orderIntake);
    await claimAsADyingRequest("idem-in-flight", "k-1", { orderId: "A-1" });
    const response = await start("idem-in-flight", "k-1", { orderId: "A-1" });
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    await expectProblem(response, 409, "idempotency_in_flight");
    expect(await runsOf("idem-in-flight")).toEqual([]);
  });
});

describe("a key whose first request died", () => {
  it("after its run was created: the retry answers that run at once, and the key is done", async () => {
    await saveWorkflow("idem-died-late", orderIntake);
    const { run } = await expectJson<{ run: RunView }>(await start("idem-died-late", "k-1", { orderId: "A-1" }), 202);
    // The state between the run's creation and the key's completion.
    await inShardOf("idem:idem-died-late:k-1", "UPDATE claims SET state = 'in_flight' WHERE run_id = ?", run.id);
    const retry = await expectJson<{ run: RunView }>(await start("idem-died-late", "k-1", { orderId: "A-1" }), 200);
    expect(retry.run.id).toBe(run.id);
    expect(await claimOn("idem:idem-died-late:k-1")).toMatchObject({ run_id: run.id, state: "done" });
  });

  it("before its run existed: after the grace the retry creates the claimed run, once", async () => {
    await saveWorkflow("idem-died-early", orderIntake);
    freezeClock();
    const claimedRunId = await claimAsADyingRequest("idem-died-early", "k-1", { orderId: "A-1" });
    await expectProblem(await start("idem-died-early", "k-1", { orderId: "A-1" }), 409, "idempotency_in_flight");
    advanceClock(10_000);
    // The first answer with a run: 202, as the first request would have answered.
    const { run } = await expectJson<{ run: RunView }>(await start("idem-died-early", "k-1", { orderId: "A-1" }), 202);
    expect(run).toMatchObject({ id: claimedRunId, input: { orderId: "A-1" } });
    const again = await expectJson<{ run: RunView }>(await start("idem-died-early", "k-1", { orderId: "A-1" }), 200);
    expect(again.run.id).toBe(claimedRunId);
    expect((await runsOf("idem-died-early")).map((listed) => listed.id)).toEqual([claimedRunId]);
  });
});

describe("Idempotency-Key scope", () => {
  it("is per workflow: the same key on two workflows starts two runs", async () => {
    await saveWorkflow("idem-scope-a", orderIntake);
    await saveWorkflow("idem-scope-b", orderIntake);
    const a = await expectJson<{ run: RunView }>(await start("idem-scope-a", "shared", { orderId: "1" }), 202);
    const b = await expectJson<{ run: RunView }>(await start("idem-scope-b", "shared", { orderId: "1" }), 202);
    expect(a.run.id).not.toBe(b.run.id);
  });

  it("does not keep a key whose request was refused, so a corrected request may use it", async () => {
    await saveWorkflow("idem-refused", orderIntake);
    await expectProblem(await start("idem-refused", "k-1", { orderId: 5 }), 422, "validation_failed");
    await expectJson(await start("idem-refused", "k-1", { orderId: "5" }), 202);
  });

  it("lasts 24 hours: afterwards the same key starts a new run", async () => {
    await saveWorkflow("idem-expiry", orderIntake);
    freezeClock();
    const first = await expectJson<{ run: RunView }>(await start("idem-expiry", "k-1", { orderId: "1" }), 202);
    advanceClock(23 * 60 * 60_000);
    expect((await expectJson<{ run: RunView }>(await start("idem-expiry", "k-1", { orderId: "1" }), 200)).run.id).toBe(
      first.run.id,
    );
    advanceClock(2 * 60 * 60_000);
    const later = await expectJson<{ run: RunView }>(await start("idem-expiry", "k-1", { orderId: "1" }), 202);
    expect(later.run.id).not.toBe(first.run.id);
  });

  it("refuses a key longer than 255 characters with a 400 problem naming the header", async () => {
    await saveWorkflow("idem-long", orderIntake);
    const problem = await expectProblem(
      await start("idem-long", "k".repeat(256), { orderId: "1" }),
      400,
      "bad_request",
    );
    expect(JSON.stringify(problem.issues)).toContain("idempotency-key");
  });
});
