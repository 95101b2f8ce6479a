// The load: one trigger per API run and per webhook delivery (the map run first), and the
// senders in flight, which the chaos starts one by one and the scenario waits for.
import { API_WORKFLOW, HOOK_WORKFLOW, MAP_WORKFLOW } from "./flows.ts";
import type { ChaosOptions } from "./options.ts";
import type { PlannedSend } from "./chaos.ts";
import { acknowledgement, ask, type SendTarget, type Trigger } from "./senders.ts";

/** The map run first (it opens the load), then the API starts, then the webhook deliveries. */
export function makeTriggers(options: ChaosOptions): Trigger[] {
  const trigger = (kind: Trigger["kind"], workflow: Trigger["workflow"], id: string, body: unknown): Trigger => ({
    kind,
    workflow,
    id,
    body: JSON.stringify(body),
    answers: [],
    retried: {},
  });
  const tag = options.seed.toString(36);
  return [
    trigger("api", MAP_WORKFLOW, `chaos-${tag}-map`, { input: { count: options.mapItems } }),
    ...Array.from({ length: options.apiRuns }, (_, n) =>
      trigger("api", API_WORKFLOW, `chaos-${tag}-api-${n}`, { input: { n } }),
    ),
    ...Array.from({ length: options.webhooks }, (_, n) =>
      trigger("webhook", HOOK_WORKFLOW, `dlv_${tag}_${n}`, { n, delivery: `dlv_${tag}_${n}` }),
    ),
  ];
}

/** The senders started so far: each asks on its own until acknowledged or `giveUpAt`. */
export class Senders {
  giveUpAt = Number.POSITIVE_INFINITY;
  redeliveriesSent = 0;
  readonly target: SendTarget;
  private readonly open = new Set<Promise<void>>();
  private readonly firstAsks = new Set<Trigger>();

  constructor(
    target: Omit<SendTarget, "giveUpAt">,
    private readonly deliveries: Trigger[],
    private readonly log: (line: string) => void,
  ) {
    this.target = { ...target, giveUpAt: () => this.giveUpAt };
  }

  /** Senders still asking. */
  get asking(): number {
    return this.open.size;
  }

  /** Triggers sent but not acknowledged yet. */
  get unacknowledged(): number {
    return this.firstAsks.size;
  }

  start(send: PlannedSend): void {
    const asking = "trigger" in send ? this.firstAsk(send.trigger) : this.redeliver(send.redeliveryPick);
    // A sender never throws by design; if one does, say so rather than lose the process (and its wrangler).
    const settled = asking.then(
      () => undefined,
      (error: unknown) => this.log(`sender error: ${String(error)}`),
    );
    this.open.add(settled);
    void settled.finally(() => this.open.delete(settled));
  }

  async finished(): Promise<void> {
    await Promise.all([...this.open]);
  }

  private async firstAsk(trigger: Trigger): Promise<void> {
    this.firstAsks.add(trigger);
    await ask(this.target, trigger, "first").finally(() => this.firstAsks.delete(trigger));
  }

  /** A provider's deliberate repeat of a delivery it already got a 2xx for, once there is one. */
  private async redeliver(pick: number): Promise<void> {
    for (;;) {
      const acknowledged = this.deliveries.filter((delivery) => acknowledgement(delivery));
      if (acknowledged.length > 0) {
        this.redeliveriesSent++;
        await ask(this.target, acknowledged[Math.floor(pick * acknowledged.length)]!, "redelivery");
        return;
      }
      if (Date.now() > this.giveUpAt) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
