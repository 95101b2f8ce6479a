// Deterministic run ids: the scheduled time is the ULID's time part and SHA-256 of the
// seed its random part, so every invocation firing the same time names the same run.
import { createHash } from "node:crypto";
import { decodeTime } from "ulid";
import { describe, expect, it } from "vitest";
import { deterministicRunId, isRunId } from "../../../src/run/ids";

const T = Date.parse("2025-06-01T11:00:00Z");
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Crockford base32 of the first 80 bits of SHA-256(seed), computed another way (BigInt). */
function expectedRandomPart(seed: string): string {
  const bits = BigInt(`0x${createHash("sha256").update(seed).digest("hex").slice(0, 20)}`);
  return Array.from({ length: 16 }, (_, index) => CROCKFORD[Number((bits >> BigInt(75 - 5 * index)) & 31n)]).join("");
}

describe("deterministic run ids", () => {
  it("are run ids whose ULID time is the given time", async () => {
    const id = await deterministicRunId(T, "wf:0:1");
    expect(isRunId(id)).toBe(true);
    expect(decodeTime(id.slice(4))).toBe(T);
  });

  it("take their random part from SHA-256 of the seed", async () => {
    for (const seed of ["nightly:0:1748775600000", "", "ünïcødé"]) {
      expect((await deterministicRunId(T, seed)).slice(14)).toBe(expectedRandomPart(seed));
    }
  });

  it("are the same for the same time and seed, and differ with either", async () => {
    const id = await deterministicRunId(T, "wf:0:1");
    expect(await deterministicRunId(T, "wf:0:1")).toBe(id);
    expect(await deterministicRunId(T, "wf:1:1")).not.toBe(id);
    expect(await deterministicRunId(T + 60_000, "wf:0:1")).not.toBe(id);
  });

  it("sort by time", async () => {
    const ids = await Promise.all([T + 120_000, T, T + 60_000].map((time) => deterministicRunId(time, `seed-${time}`)));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
  });
});
