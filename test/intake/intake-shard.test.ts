// An intake shard holds each claim for 24 h: within it a key answers its first run, after it
// the key is free, and the shard's alarm drops expired claims on its own.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { intakeOfKey } from "../../src/durable/intake-stub";
import { shardOfKey, shardOfRunId } from "../../src/core/intake-shards";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { ClaimStore } from "../../src/intake/claims";

const DAY = 24 * 60 * 60 * 1000;

afterEach(restoreClock);

const shardStub = (key: string) => env.INTAKE.get(env.INTAKE.idFromName(`intake:${shardOfKey(key)}`));
const claimCount = (key: string) =>
  runInDurableObject(
    shardStub(key),
    async (_shard, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM claims WHERE key = ?", key).one().n,
  );

describe("an intake shard's claim", () => {
  it("answers its first run for 24 h, with a run id that names the shard, then frees the key", async () => {
    freezeClock();
    const key = `idem:intake-ttl:${crypto.randomUUID()}`;
    const intake = intakeOfKey(env, key);
    const first = await intake.claim({ key, requestHash: "h1" });
    expect(first).toMatchObject({ held: false });
    expect(shardOfRunId(first.runId)).toBe(shardOfKey(key));
    await intake.settle(key, first.runId);
    advanceClock(DAY - 1);
    expect(await intake.claim({ key, requestHash: "h1" })).toMatchObject({
      held: true,
      runId: first.runId,
      state: "done",
      requestHash: "h1",
    });
    advanceClock(2);
    const later = await intake.claim({ key, requestHash: "h2" });
    expect(later).toMatchObject({ held: false });
    expect(later.runId).not.toBe(first.runId);
  });

  it("is dropped by the shard's alarm once expired", async () => {
    freezeClock();
    const key = `idem:intake-prune:${crypto.randomUUID()}`;
    await intakeOfKey(env, key).claim({ key });
    expect(await claimCount(key)).toBe(1);
    advanceClock(DAY + 1);
    await runDurableObjectAlarm(shardStub(key));
    expect(await claimCount(key)).toBe(0);
  });

  it("keeps a start it holds past the 24 h, until the run exists", async () => {
    await runInDurableObject(shardStub("idem:intake-keep:x"), async (_shard, state) => {
      const claims = new ClaimStore(state.storage.sql);
      const key = `hook:intake-keep:${crypto.randomUUID()}`;
      claims.insert({ key, runId: "run_held", state: "pending", requestHash: null, createdAt: 0, start: "{}" });
      claims.prune(DAY * 2, 100);
      expect(claims.holder(key, DAY * 2)).toMatchObject({ runId: "run_held", state: "pending" });
      claims.settle(key, "run_held");
      claims.prune(DAY * 2, 100);
      expect(claims.holder(key, DAY * 2)).toBeUndefined();
    });
  });

  it("released after a refusal frees the key at once; abandoned keeps it for the next request to finish", async () => {
    const key = `idem:intake-release:${crypto.randomUUID()}`;
    const intake = intakeOfKey(env, key);
    const refused = await intake.claim({ key });
    await intake.release(key);
    const retried = await intake.claim({ key });
    expect(retried).toMatchObject({ held: false });
    expect(retried.runId).not.toBe(refused.runId);
    await intake.abandon(key);
    expect(await intake.claim({ key })).toMatchObject({ held: true, runId: retried.runId, state: "abandoned" });
  });
});
