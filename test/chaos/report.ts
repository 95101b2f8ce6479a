// The figures of a chaos run, as printed by `npm run chaos` and the e2e test: what was
// done to the stack, what the senders and the receiver saw, and each check's verdict.
import { countBy } from "./describe.ts";
import type { ChaosOptions } from "./options.ts";
import type { ChaosResult } from "./scenario.ts";
import { acknowledgement } from "./senders.ts";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const range = (values: number[], unit = (v: number) => String(v)) =>
  values.length === 0 ? "-" : `${unit(Math.min(...values))}–${unit(Math.max(...values))}`;

export function replayCommand(options: ChaosOptions): string {
  return [
    `npm run chaos --${options.control ? " --control" : ""}`,
    `--seed ${options.seed} --kills ${options.kills} --api ${options.apiRuns} --webhooks ${options.webhooks}`,
    `--redeliveries ${options.redeliveries} --map-items ${options.mapItems} --map-concurrency ${options.mapConcurrency}`,
    `--gap-min ${options.killGapMs.min / 1000} --gap-max ${options.killGapMs.max / 1000}`,
  ].join(" ");
}

export function formatReport(result: ChaosResult): string {
  const { options, kills, triggers, effects, settling } = result;
  const retried = triggers.flatMap((t) => Object.entries(t.retried).flatMap(([why, n]) => Array<string>(n).fill(why)));
  const acknowledged = triggers.filter((t) => acknowledgement(t));
  const api = triggers.filter((t) => t.kind === "api");
  const most = effects.mostArrivals ? `; most: ${effects.mostArrivals.key} ×${effects.mostArrivals.count}` : "";
  const lines = [
    `chaos ${options.control ? "CONTROL run (the plan without kills)" : "run"}, seed ${options.seed} (replay: ${replayCommand(options)}), ${seconds(result.durationMs)} in all`,
    options.control
      ? "  kills: none (control run)"
      : `  kills: ${kills.length}, ${range(
          kills.map((k) => k.gapMs),
          seconds,
        )} apart; restarts ${range(
          kills.map((k) => k.restartMs),
          seconds,
        )}; ` +
        `at each kill ${range(kills.map((k) => k.unacknowledged))} triggers unacknowledged, ${range(kills.map((k) => k.receiverInFlight))} calls open at the receiver`,
    `  triggers: ${api.length} API starts (one of them the ${options.mapItems}-item map at concurrency ${options.mapConcurrency}), ` +
      `${triggers.length - api.length} webhook deliveries, ${result.redeliveriesSent} redeliveries; ${acknowledged.length} acknowledged`,
    `  sender retries: ${retried.length} (${countBy(retried)})`,
    `  runs listed: ${Object.entries(result.listedRuns)
      .map(([workflow, n]) => `${workflow} ${n}`)
      .join(", ")}`,
    `  effects: ${effects.expected} expected, ${effects.delivered} delivered (${effects.missing.length} missing); ` +
      `${effects.requests} keyed requests, ${effects.aborted} cut off by a kill`,
    `  duplicates at the receiver: ${effects.repeatedKeys} keys arrived more than once (${effects.extraArrivals} extra arrivals${most}); ` +
      `${[...effects.unknownRuns.values()].reduce((sum, n) => sum + n, 0)} arrivals from ${effects.unknownRuns.size} unacknowledged runs`,
    `  settle: ${settling.afterMs === null ? `not settled ${seconds(options.settleLimitMs + options.overtimeMs)}` : seconds(settling.afterMs)} after ${options.control ? "the last epoch (control run)" : "the last restart"} (limit ${seconds(options.settleLimitMs)})`,
    "  checks:",
    ...result.checks.map((check) => `    ${check.pass ? "PASS" : "FAIL"} ${check.name}: ${check.detail}`),
  ];
  const failed = result.checks.filter((check) => !check.pass).length;
  lines.push(failed === 0 ? "  all checks passed" : `  ${failed} of ${result.checks.length} checks FAILED`);
  return lines.join("\n");
}
