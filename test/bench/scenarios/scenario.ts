// What a scenario is: a figure measured on one or more systems, round after round, with the
// errors found while checking every run. A Waymark figure may name a ceiling scenario to be
// compared with, and carry a target (item 3 of the issue) as a check on the medians.
import type { MockReceiver } from "../../support/mock-receiver.ts";
import type { BenchOptions } from "../options.ts";
import type { PeerRunner, WaymarkRunner } from "../runners.ts";
import type { WaymarkWorker, Worker } from "../systems.ts";

export type System = "waymark" | "peer" | "ceiling";

export interface Measured {
  value: number;
  errors: string[];
  detail?: Record<string, unknown>;
}

export interface Context {
  options: BenchOptions;
  waymark: WaymarkRunner;
  peer: PeerRunner;
  workers: { waymark: WaymarkWorker; peer: Worker; ceiling: Worker };
  mock: MockReceiver;
  /** Figures other scenarios leave for later ones (growth → storage per item, say). */
  notes: Map<string, unknown>;
}

interface Target {
  /** As printed, e.g. "W/peer ≥ 3". */
  text: string;
  /**
   * From the medians of this row: true passes. `waymarkOf` gives Waymark's median of another
   * scenario (null when it did not run), for targets relative to another row.
   */
  check(
    row: { waymark: number | null; peer: number | null; ceiling: number | null },
    waymarkOf: (id: string) => number | null,
  ): boolean;
}

export interface Scenario {
  id: string;
  title: string;
  unit: string;
  /** Which way is better, for reading ratios. */
  better: "higher" | "lower";
  /** Measured without the systems (a simulation): a run of only such scenarios starts none. */
  offline?: true;
  /** Rounds this scenario takes part in (1-based); default all. */
  inRound?(round: number, options: BenchOptions): boolean;
  measure: Partial<Record<System, (context: Context, round: number) => Promise<Measured>>>;
  /** The ceiling scenario whose median a Waymark figure is compared with. */
  ceiling?: string;
  target?: Target;
}
