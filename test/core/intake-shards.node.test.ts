// Intake shards: a key always hashes to the same shard, and a run id a shard mints names that
// shard without losing what makes it a run id (its time part orders runs).
import { describe, expect, it } from "vitest";
import { decodeTime } from "ulid";
import { INTAKE_SHARDS, runIdInShard, shardOfKey, shardOfRunId } from "../../src/core/intake-shards";
import { isRunId, newRunId } from "../../src/run/ids";

describe("shardOfKey", () => {
  it("is stable and spreads keys over every shard", () => {
    expect(shardOfKey("hook:orders:evt_1")).toBe(shardOfKey("hook:orders:evt_1"));
    const shards = new Set(Array.from({ length: 5_000 }, (_, i) => shardOfKey(`idem:orders:key-${i}`)));
    expect(shards.size).toBe(INTAKE_SHARDS);
    expect(Math.min(...shards)).toBe(0);
    expect(Math.max(...shards)).toBe(INTAKE_SHARDS - 1);
  });
});

describe("runIdInShard", () => {
  it("names its shard, keeps the time part, and stays a run id", () => {
    for (let shard = 0; shard < INTAKE_SHARDS; shard++) {
      const plain = newRunId(1_765_000_000_000 + shard);
      const sharded = runIdInShard(plain, shard);
      expect(isRunId(sharded)).toBe(true);
      expect(shardOfRunId(sharded)).toBe(shard);
      expect(decodeTime(sharded.slice(4))).toBe(1_765_000_000_000 + shard);
    }
  });

  it("keeps ids minted in the same millisecond apart", () => {
    const ids = Array.from({ length: 1_000 }, () => runIdInShard(newRunId(1_765_000_000_000), 7));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
