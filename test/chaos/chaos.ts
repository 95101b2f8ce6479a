// The chaos itself: the plan (kill moments and when each trigger is first sent, all drawn
// from the seed) and its execution: each epoch sends its share of the load, then the whole
// process group is SIGKILLed at the epoch's end and restarted at once.
import type { MockReceiver } from "../support/mock-receiver.ts";
import type { Stack } from "../support/stack.ts";
import type { ChaosOptions } from "./options.ts";
import type { Random } from "./random.ts";
import type { Trigger } from "./senders.ts";

/** One send: a trigger's first ask, or a redelivery of an acknowledged delivery picked by `pick` in [0, 1). */
export type PlannedSend = { trigger: Trigger } | { redeliveryPick: number };

export interface Epoch {
  /** From the epoch's start (a restart, or the start of the load) to its kill. */
  gapMs: number;
  /** When in the epoch (fraction of the gap) each send starts. */
  sends: { at: number; send: PlannedSend }[];
}

export interface KillRecord {
  /** ms since the load started. */
  at: number;
  gapMs: number;
  /** Triggers sent but not yet acknowledged, and receiver requests open, when the kill came. */
  unacknowledged: number;
  receiverInFlight: number;
  restartMs: number;
}

/** Spreads the shuffled triggers over the epochs; the first trigger (the map run) opens epoch one. */
export function planEpochs(random: Random, options: ChaosOptions, opening: Trigger, triggers: Trigger[]): Epoch[] {
  const gaps = random.fork();
  const order = random.fork();
  const count = options.kills;
  const epochs: Epoch[] = Array.from({ length: count }, () => ({
    gapMs: Math.round(gaps.between(options.killGapMs.min, options.killGapMs.max)),
    sends: [],
  }));
  epochs[0]!.sends.push({ at: 0, send: { trigger: opening } });
  const shuffled = order.shuffled(triggers);
  shuffled.forEach((trigger, i) => {
    const epoch = Math.floor((i * count) / shuffled.length);
    epochs[epoch]!.sends.push({ at: order.next(), send: { trigger } });
  });
  // Redeliveries come once something was acknowledged: from the second epoch on when there is one.
  for (let i = 0; i < options.redeliveries; i++) {
    const epoch = count > 1 ? 1 + order.below(count - 1) : 0;
    epochs[epoch]!.sends.push({ at: order.next(), send: { redeliveryPick: order.next() } });
  }
  for (const epoch of epochs) epoch.sends.sort((a, b) => a.at - b.at);
  return epochs;
}

export interface Unleashed {
  kills: KillRecord[];
  /** When the last restart was healthy again, or when a control run's last epoch ended (ms since the epoch). */
  lastRestartAt: number;
}

/**
 * Runs the epochs: each planned send is started (not waited for) at its moment; kills and
 * restarts the stack after each, unless `control`: the same plan without a kill, to tell
 * what the kills cause from what the load alone does.
 */
export async function unleash(
  stack: Stack,
  receiver: MockReceiver,
  epochs: Epoch[],
  senders: { start(send: PlannedSend): void; readonly unacknowledged: number },
  log: (line: string) => void,
  control = false,
): Promise<Unleashed> {
  const began = Date.now();
  const kills: KillRecord[] = [];
  for (const [index, epoch] of epochs.entries()) {
    const epochStart = Date.now();
    for (const { at, send } of epoch.sends) {
      await sleepUntil(epochStart + at * epoch.gapMs);
      senders.start(send);
    }
    await sleepUntil(epochStart + epoch.gapMs);
    if (control) continue;
    const record = { at: Date.now() - began, gapMs: epoch.gapMs, unacknowledged: senders.unacknowledged };
    const receiverInFlight = receiver.inFlight;
    await stack.kill();
    const restarting = Date.now();
    await stack.restart();
    kills.push({ ...record, receiverInFlight, restartMs: Date.now() - restarting });
    log(
      `kill ${index + 1}/${epochs.length} at ${(record.at / 1000).toFixed(1)} s (${epoch.sends.length} sends this epoch): ` +
        `${record.unacknowledged} triggers unacknowledged, ${receiverInFlight} calls open at the receiver; restarted in ${((Date.now() - restarting) / 1000).toFixed(1)} s`,
    );
  }
  return { kills, lastRestartAt: Date.now() };
}

/** The plan's own clock: kill moments are drawn, not conditions to wait for. */
function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}
