// Spreading keys over a fixed set of Durable Objects (intake shards, index writers) needs a
// hash that is the same in every isolate and every release.

/** FNV-1a, 32 bits: the same number for the same text everywhere, for spreading keys over objects. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
