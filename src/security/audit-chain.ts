// The audit log is a hash chain: each entry holds the SHA-256 of the one before it,
// so changing, inserting or removing an entry in the middle breaks every hash after it.
import { canonicalJson, sha256Hex } from "../core/canonical-json";

export const GENESIS_HASH = "0".repeat(64);

/** What an entry's hash covers: every recorded field except the hashes themselves. */
export interface AuditContent {
  seq: number;
  eventId: string;
  at: number;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  actorRole: string | null;
  action: string;
  target: string;
  runId: string | null;
  requestId: string | null;
  clientIp: string | null;
  result: string | null;
  detail: string | null;
}

export function entryHash(prevHash: string, entry: AuditContent): Promise<string> {
  const content: AuditContent = {
    seq: entry.seq,
    eventId: entry.eventId,
    at: entry.at,
    actorType: entry.actorType,
    actorId: entry.actorId,
    actorName: entry.actorName,
    actorRole: entry.actorRole,
    action: entry.action,
    target: entry.target,
    runId: entry.runId,
    requestId: entry.requestId,
    clientIp: entry.clientIp,
    result: entry.result,
    detail: entry.detail,
  };
  return sha256Hex(`${prevHash}\n${canonicalJson(content)}`);
}

export interface ChainBreak {
  seq: number;
  reason: string;
}

/** Checks a run of chained entries, in seq order, that follows `prevHash`. */
export async function findBreak(
  prevHash: string,
  entries: (AuditContent & { prevHash: string | null; hash: string | null })[],
): Promise<{ break?: ChainBreak; lastHash: string }> {
  let expectedPrev = prevHash;
  for (const entry of entries) {
    if (entry.prevHash !== expectedPrev)
      return {
        break: {
          seq: entry.seq,
          reason: "does not follow the entry before it (an entry was removed, inserted or changed)",
        },
        lastHash: expectedPrev,
      };
    if (entry.hash !== (await entryHash(expectedPrev, entry)))
      return {
        break: { seq: entry.seq, reason: "its content does not match its hash (the entry was changed)" },
        lastHash: expectedPrev,
      };
    expectedPrev = entry.hash!;
  }
  return { lastHash: expectedPrev };
}
