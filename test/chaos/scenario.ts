// The chaos test end to end, shared by `npm run chaos` and test/e2e/chaos.test.ts: save the
// flows, send the load while the stack is SIGKILLed and restarted, wait for it to settle,
// ask every trigger once more, then judge what the API and the receiver saw.
import { randomBytes } from "node:crypto";
import type { MockReceiver } from "../support/mock-receiver.ts";
import { pooled } from "../support/pool.ts";
import type { Stack } from "../support/stack.ts";
import type { WaymarkClient } from "../support/waymark-client.ts";
import { planEpochs, unleash, type KillRecord } from "./chaos.ts";
import { evaluate, type Check } from "./checks.ts";
import { acknowledgedRuns, tallyEffects, type EffectTally } from "./effects.ts";
import { chaosFlows, HOOK_SECRET_NAME } from "./flows.ts";
import { makeTriggers, Senders } from "./load.ts";
import { listEveryWorkflow, readRuns, waitToSettle, type Settling } from "./observe.ts";
import type { ChaosOptions } from "./options.ts";
import { Random } from "./random.ts";
import { acknowledgement, ask, type SendTarget, type Trigger } from "./senders.ts";

export { CHECKS } from "./checks.ts";

export interface ChaosSetup {
  stack: Stack;
  receiver: MockReceiver;
  options: ChaosOptions;
  log: (line: string) => void;
}

export interface ChaosResult {
  options: ChaosOptions;
  kills: KillRecord[];
  triggers: Trigger[];
  redeliveriesSent: number;
  settling: Settling;
  effects: EffectTally;
  listedRuns: Record<string, number>;
  checks: Check[];
  durationMs: number;
}

const FINAL_ASK_MS = 30_000;

export async function runChaos({ stack, receiver, options, log }: ChaosSetup): Promise<ChaosResult> {
  const began = Date.now();
  const random = new Random(options.seed);
  const hookToken = randomBytes(24).toString("hex");
  const apiToken = await prepare(stack.api, receiver.url, options, hookToken);
  const triggers = makeTriggers(options);
  const [mapRun, ...load] = triggers;
  const epochs = planEpochs(random.fork(), options, mapRun!, load);
  const deliveries = load.filter((trigger) => trigger.kind === "webhook");
  const senders = new Senders({ url: stack.url, apiToken, hookToken, random: random.fork() }, deliveries, log);

  log(
    `${options.control ? "control run: the plan of" : "chaos:"} ${options.kills} kills, ${triggers.length} triggers, ${options.redeliveries} redeliveries`,
  );
  const { kills, lastRestartAt } = await unleash(stack, receiver, epochs, senders, log, options.control);
  senders.giveUpAt = lastRestartAt + options.settleLimitMs + options.overtimeMs;
  const settling = await waitToSettle(stack.api, triggers, () => senders.asking, lastRestartAt, senders.giveUpAt);
  log(
    settling.afterMs === null ? "not settled by the deadline" : `settled ${settling.afterMs} ms after the last restart`,
  );
  await senders.finished();
  await askOnceMore(senders.target, triggers);

  const judged = await judge(stack, receiver, options, triggers, settling);
  return {
    options,
    kills,
    triggers,
    redeliveriesSent: senders.redeliveriesSent,
    settling,
    ...judged,
    durationMs: Date.now() - began,
  };
}

/** Saves the webhook token and the flows; returns an operator token, the kind an SDK holds. */
async function prepare(
  api: WaymarkClient,
  receiverUrl: string,
  options: ChaosOptions,
  hookToken: string,
): Promise<string> {
  const secret = await api.request("PUT", `/api/secrets/${HOOK_SECRET_NAME}`, { value: hookToken });
  if (secret.status !== 200 && secret.status !== 201)
    throw new Error(`saving the webhook token answered ${secret.status}`);
  for (const flow of chaosFlows(receiverUrl, options.mapConcurrency)) await api.putWorkflow(flow);
  const name = `chaos-sdk-${options.seed}`;
  const created = await api.request<{ token?: string }>("POST", "/api/tokens", { name, role: "operator" });
  if (created.status !== 201 || !created.body.token)
    throw new Error(`creating an operator token answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body.token;
}

/** Every API key once more (it must replay its run, never 409) and every acknowledged delivery (a duplicate). */
async function askOnceMore(target: SendTarget, triggers: Trigger[]): Promise<void> {
  const finalTarget = { ...target, giveUpAt: () => Date.now() + FINAL_ASK_MS };
  const again = triggers.filter((trigger) => trigger.kind === "api" || acknowledgement(trigger));
  await pooled(again, 16, (trigger) => ask(finalTarget, trigger, "final"));
}

/** Reads the index, each run and the audit chain, tallies the receiver, and evaluates the checks. */
async function judge(
  stack: Stack,
  receiver: MockReceiver,
  options: ChaosOptions,
  triggers: Trigger[],
  settling: Settling,
) {
  const runs = acknowledgedRuns(triggers);
  const listed = await listEveryWorkflow(stack.api);
  const views = await readRuns(stack.api, [...new Set(runs.map((run) => run.runId))]);
  const effects = tallyEffects(runs, receiver.requests, options.mapItems);
  const audit = await stack.api.request("GET", "/api/audit/verify");
  const checks = evaluate({ options, triggers, listed, views, effects, audit, settling });
  const listedRuns = Object.fromEntries([...listed].map(([workflow, list]) => [workflow, list.length]));
  return { checks, effects, listedRuns };
}
