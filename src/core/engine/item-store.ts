// Items of a map that finished leave the run state for the shell's item store (see map.ts);
// the engine reads them back through this interface.
import type { StepState } from "./run-state";

/** What the item store keeps of an item once it finished: its step state, without the value. */
export type MapItemRecord = Omit<StepState, "item" | "map"> & { map: string; index: number };

/**
 * The run's item store as the engine reads it (the shell keeps it in its own table).
 * Reads are synchronous and O(1) per item, except `outputs`, read once when a map succeeds.
 */
export interface MapItemStore {
  /** The value of an item, stored when its map first evaluated `items`. */
  value(map: string, index: number): unknown;
  /** How an item ended in an earlier round, if it did. */
  record(map: string, index: number): MapItemRecord | undefined;
  /** Every item's output in index order (null for items that did not succeed). */
  outputs(map: string, total: number): unknown[];
}
