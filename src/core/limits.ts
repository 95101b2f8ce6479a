// The run's size limits that the pure core enforces.

/** Run input and any step output. */
export const MAX_VALUE_BYTES = 10 * 1024 * 1024;

/** UTF-8 size of a value as JSON; undefined counts as nothing. */
export function jsonByteLength(value: unknown): number {
  if (value === undefined) return 0;
  return new TextEncoder().encode(JSON.stringify(value)).byteLength;
}

/** Items one map may have. */
export const MAX_MAP_ITEMS = 100_000;
/** Steps one run may execute, map items included: two full maps and change. */
export const MAX_EXECUTED_STEPS = 250_000;
/**
 * One item's value and one item's output: each is a row of its own in the run's item
 * store, so it is held well under the storage's row size; the assembled map output is
 * held to MAX_VALUE_BYTES like any step output.
 */
export const MAX_ITEM_BYTES = 1024 * 1024;
