// The chaos test, small (test/chaos/; `npm run chaos` is the full size): one `wrangler dev`
// SIGKILLed as a whole process group at random moments and restarted at once, while API
// starts (retried with their Idempotency-Key), webhook deliveries (retried until a 2xx, some
// redelivered on purpose) and a map wider than a queue batch are in flight. The
// guarantees of docs/durability.md: each acknowledged trigger is exactly one run, every run succeeds, every step's
// effect reaches the receiver, nothing is left in flight, and it settles within 60 s.
// CHAOS_SEED=<n> replays a run's plan.
import { describe, expect, it } from "vitest";
import { SMALL } from "../chaos/options.ts";
import { randomSeed } from "../chaos/random.ts";
import { formatReport, replayCommand } from "../chaos/report.ts";
import { CHECKS, runChaos, type ChaosResult } from "../chaos/scenario.ts";
import { useReceiver, useStack } from "../support/stack";

const options = {
  ...SMALL,
  control: false,
  seed: process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) >>> 0 : randomSeed(),
};
/** The chaos, the 60 s settle limit and the final asks, with room to spare when it does not settle. */
const CHAOS_TIMEOUT_MS = 240_000;

const stack = useStack("chaos");
const receiver = useReceiver();
let result: ChaosResult | undefined;

describe(`kill -9 of the whole stack under load (seed ${options.seed})`, () => {
  it(
    `runs ${options.kills} kills through ${options.apiRuns} API runs, ${options.webhooks} webhook deliveries and a ${options.mapItems}-item map`,
    async () => {
      result = await runChaos({
        stack: stack.current,
        receiver: receiver.current,
        options,
        log: (line) => console.log(`[chaos] ${line}`),
      });
      console.log(formatReport(result));
    },
    CHAOS_TIMEOUT_MS,
  );

  it.each(CHECKS)("%s", (name) => {
    expect(result, "the chaos run finished").toBeDefined();
    const check = result!.checks.find((c) => c.name === name)!;
    expect(check.pass, `${check.detail}\nreplay: CHAOS_SEED=${options.seed} (or ${replayCommand(options)})`).toBe(true);
  });
});
