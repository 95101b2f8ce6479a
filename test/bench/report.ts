// The bench's table: one row per scenario with each system's median and min–max over the
// rounds, the ratios Waymark/peer and Waymark/ceiling, the target and its verdict. A row
// with any error says FAILED whatever its figures.
import type { Scenario, System } from "./scenarios/scenario.ts";
import { spread, type Spread } from "./stats.ts";

export interface Sample {
  scenario: string;
  system: System;
  round: number;
  value: number;
  errors: string[];
  detail?: Record<string, unknown>;
}

type Verdict = "PASS" | "FAIL" | "FAILED" | "—";

export interface Row {
  id: string;
  title: string;
  unit: string;
  waymark: Spread | null;
  peer: Spread | null;
  ceiling: Spread | null;
  ceilingFrom: string | null;
  wOverPeer: number | null;
  wOverCeiling: number | null;
  target: string | null;
  verdict: Verdict;
  errors: number;
}

const FLAT_FROM = 1_000;

const valuesOf = (samples: Sample[], id: string, system: System) =>
  samples.filter((s) => s.scenario === id && s.system === system && Number.isFinite(s.value)).map((s) => s.value);

export function buildRows(scenarios: Scenario[], samples: Sample[]): Row[] {
  const waymarkOf = (id: string) => spread(valuesOf(samples, id, "waymark"))?.median ?? null;
  const rows = scenarios.map((scenario): Row => {
    const own = (system: System) => spread(valuesOf(samples, scenario.id, system));
    const waymark = own("waymark");
    const peer = own("peer");
    const ceiling = scenario.ceiling ? spread(valuesOf(samples, scenario.ceiling, "ceiling")) : own("ceiling");
    const errors = samples.filter((s) => s.scenario === scenario.id).reduce((sum, s) => sum + s.errors.length, 0);
    const medians = { waymark: waymark?.median ?? null, peer: peer?.median ?? null, ceiling: ceiling?.median ?? null };
    const verdict: Verdict =
      errors > 0 ? "FAILED" : scenario.target ? (scenario.target.check(medians, waymarkOf) ? "PASS" : "FAIL") : "—";
    return {
      id: scenario.id,
      title: scenario.title,
      unit: scenario.unit,
      waymark,
      peer,
      ceiling,
      ceilingFrom: scenario.ceiling ?? null,
      wOverPeer: waymark && peer ? waymark.median / peer.median : null,
      wOverCeiling: waymark && ceiling ? waymark.median / ceiling.median : null,
      target: scenario.target?.text ?? null,
      verdict,
      errors,
    };
  });
  return [...rows, ...derivedRows(rows, samples)];
}

/**
 * Flatness of the per-step cost across map sizes from 1,000 up (the range, to the
 * 100,000-item map), as the marginal cost between consecutive sizes: (run time of the larger
 * map − of the smaller) ÷ (items added), from the median run times. Below 1,000 items the
 * difference is within a few milliseconds of noise in a run's finish time; and the marginal cost, unlike (run time − empty map) ÷ items, leaves out what a
 * map costs once whatever its size. Also memory growth during the largest map, and DO
 * storage per map item.
 */
function derivedRows(rows: Row[], samples: Sample[]): Row[] {
  const growth = rows.filter((row) => /^h\d+$/.test(row.id) && Number(row.id.slice(1)) >= FLAT_FROM && row.waymark);
  if (growth.length < 2) return [];
  const runMs = growth.map(
    (row) =>
      spread(
        samples
          .filter((s) => s.scenario === row.id)
          .map((s) => Number(s.detail?.runMs))
          .filter(Number.isFinite),
      )?.median ?? Number.NaN,
  );
  const sizes = growth.map((row) => Number(row.id.slice(1)));
  const slopes = sizes.slice(1).map((size, i) => ((runMs[i + 1]! - runMs[i]!) * 1000) / (size - sizes[i]!));
  // A marginal cost at or below zero (noise) makes the ratio meaningless.
  const flat = Math.min(...slopes) > 0 ? Math.max(...slopes) / Math.min(...slopes) : Number.NaN;
  const spans = sizes
    .slice(1)
    .map((size, i) => `${sizes[i]}→${size}: ${slopes[i]!.toFixed(0)} µs`)
    .join(", ");
  const errors = rows.filter((row) => /^h\d+$/.test(row.id)).reduce((sum, row) => sum + row.errors, 0);
  const blank = { peer: null, ceiling: null, ceilingFrom: null, wOverPeer: null, wOverCeiling: null };
  const derived: Row[] = [
    {
      id: "h-flat",
      title: `marginal per-step cost, max/min (${spans})`,
      unit: "×",
      waymark: { median: flat, min: flat, max: flat },
      ...blank,
      // Flat, and cheap where it counts: the marginal cost between the two largest maps.
      target: "≤ 1.2, ≤ 60 µs at the top",
      verdict: errors > 0 ? "FAILED" : Number.isFinite(flat) && flat <= 1.2 && slopes.at(-1)! <= 60 ? "PASS" : "FAIL",
      errors,
    },
  ];
  const largest = growth[growth.length - 1]!;
  const perSample = (id: string, key: string) =>
    spread(
      samples
        .filter((s) => s.scenario === id)
        .map((s) => Number(s.detail?.[key] ?? Number.NaN))
        .filter(Number.isFinite),
    );
  const storage = perSample(largest.id, "storageBytesPerStep");
  const growthMiB = spread(
    samples
      .filter((s) => s.scenario === largest.id)
      .map((s) => Number(s.detail?.rssPeakMiB) - Number(s.detail?.rssBeforeMiB))
      .filter(Number.isFinite),
  );
  if (growthMiB) {
    derived.push({
      id: "h-mem",
      title: `memory: RSS growth (wrangler+workerd) during the map of ${largest.id.slice(1)}`,
      unit: "MiB",
      waymark: growthMiB,
      ...blank,
      target: "bounded (read, not judged)",
      verdict: errors > 0 ? "FAILED" : "—",
      errors,
    });
  }
  if (storage)
    derived.push({
      id: "i-map",
      title: `DO storage per map item (map of ${largest.id.slice(1)})`,
      unit: "bytes",
      waymark: storage,
      ...blank,
      target: "≤ 250",
      verdict: storage.median <= 250 ? "PASS" : "FAIL",
      errors: 0,
    });
  return derived;
}

const num = (value: number): string => {
  if (!Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
};

const cell = (s: Spread | null): string =>
  s === null
    ? "—"
    : s.min === s.max || !Number.isFinite(s.median)
      ? num(s.median)
      : `${num(s.median)} (${num(s.min)}–${num(s.max)})`;
const ratio = (r: number | null): string => (r === null ? "—" : `${num(r)}×`);

export function formatTable(rows: Row[]): string {
  const header = ["scenario", "unit", "Waymark", "peer", "ceiling", "W/peer", "W/ceiling", "target", "result"];
  const lines = rows.map((row) => [
    `${row.id} ${row.title}`,
    row.unit,
    cell(row.waymark),
    cell(row.peer),
    cell(row.ceiling),
    ratio(row.wOverPeer),
    ratio(row.wOverCeiling),
    row.target ?? "—",
    row.verdict,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const format = (line: string[]) => `| ${line.map((text, i) => text.padEnd(widths[i]!)).join(" | ")} |`;
  return [format(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.map(format)].join("\n");
}
