// Size limits of SPEC §6 that the pure core enforces.

/** Run input and any step output. */
export const MAX_VALUE_BYTES = 10 * 1024 * 1024;

/** UTF-8 size of a value as JSON; undefined counts as nothing. */
export function jsonByteLength(value: unknown): number {
  if (value === undefined) return 0;
  return new TextEncoder().encode(JSON.stringify(value)).byteLength;
}
