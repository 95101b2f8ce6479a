// WorkflowGate: one Durable Object per (workflow, key), a thin shell around the pure gate
// in core/flow-control. Every intent is: decide → save → perform the starts it decided.
// Its timers (quiet periods, the rate window, start retries) share its one alarm.
import { DurableObject } from "cloudflare:workers";
import { IntentLock } from "../durable/intent-lock";
import type { GateRpc } from "../durable/gate-stub";
import { SingleAlarm } from "../durable/single-alarm";
import { FINISHED_RUN_STATUSES } from "../core/engine/run-state";
import {
  decideGate,
  gateWakeAt,
  type GateDecision,
  type GateEvent,
  type GateState,
  type StartAction,
} from "../core/flow-control";
import { runStub } from "../durable/run-stub";
import type { RunView } from "../core/engine/run-view";
import { gateStub } from "../durable/gate-stub";
import { admitRequestSchema, type AdmitAnswer, type AdmitRequest } from "../durable/gate-commands";
import { GateStorage } from "./storage";

export class WorkflowGate extends DurableObject<Env> implements GateRpc {
  private readonly storage: GateStorage;
  private state: GateState;
  /** Serialises intents: a decision and the starts it asks for never interleave with another. */
  /** Each intent runs alone: load → transition → save is never interleaved. */
  private readonly lock = new IntentLock();
  /** Every timer multiplexed onto the object's one alarm. */
  private readonly wakeUp: SingleAlarm;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.wakeUp = new SingleAlarm(ctx.storage);
    this.storage = new GateStorage(ctx.storage.sql);
    this.state = this.storage.load();
  }

  /** A run asks to start: it starts now, waits its turn (queued), or joins the run in its quiet period. */
  async admit(request: AdmitRequest): Promise<AdmitAnswer> {
    const parsed = admitRequestSchema.parse(request);
    return this.serially(() => this.admitNow(parsed));
  }

  /** The run finished or was cancelled: it leaves the gate, and the next waiting run may start. */
  async release(runId: string): Promise<void> {
    await this.serially(async () => void (await this.perform(this.decide({ type: "release", runId }))));
  }

  /** The gate's state, for tests and operators. */
  async inspect(): Promise<GateState> {
    return this.state;
  }

  override async alarm(): Promise<void> {
    this.wakeUp.delivered();
    await this.serially(async () => void (await this.perform(this.decide({ type: "tick" }))));
  }

  private async admitNow(request: AdmitRequest): Promise<AdmitAnswer> {
    const { runId, create } = request;
    const event: GateEvent = {
      type: "admit",
      runId,
      policy: request.policy,
      next: request.next,
      debounce: create !== undefined && !request.skipDebounce,
    };
    let decision = this.decide(event);
    while (decision.outcome?.type === "debounced") {
      // The quiet period is already pushed back, so the pending run cannot start before its input is replaced.
      const into = decision.outcome.into;
      const replaced = await runStub(this.env, into).replaceQueuedInput(create!.input);
      if (replaced.ok) return { run: replaced.run, debounced: true };
      // The pending run was cancelled (its release may still be on the way): this trigger starts a run of its own.
      await this.perform(this.decide({ type: "release", runId: into }));
      decision = this.decide(event);
    }
    // The run's place is saved before its object exists; a start that finds no run frees it.
    let created: RunView | null = null;
    if (create) {
      try {
        created = await runStub(this.env, runId).create(create);
      } catch (error) {
        await this.perform(this.decide({ type: "release", runId }));
        throw error;
      }
      // Not queued: the run already exists and went its way (a repeated cron or idempotent start).
      if (created.status !== "queued" && decision.outcome?.type !== "known")
        await this.perform(this.decide({ type: "release", runId }));
      if (created.status !== "queued") return { run: created, debounced: false };
    }
    const started = await this.perform(decision);
    return { run: started.get(runId) ?? created ?? (await runStub(this.env, runId).getRun()), debounced: false };
  }

  /** Runs the pure gate and saves its new state in one synchronous write. */
  private decide(event: GateEvent): GateDecision {
    const decision = decideGate(this.state, event, Date.now());
    if (decision.state !== this.state) {
      const before = this.state;
      this.ctx.storage.transactionSync(() => this.storage.save(before, decision.state));
      this.state = decision.state;
    }
    this.armAlarm();
    return decision;
  }

  /** Performs the starts, records each answer, and follows any start an answer frees. Returns the runs started. */
  private async perform(decision: GateDecision): Promise<Map<string, RunView>> {
    const started = new Map<string, RunView>();
    await Promise.all(
      decision.actions.map(async (action) => {
        let run: RunView | null;
        try {
          run = await this.startOrHandOver(action);
        } catch (error) {
          console.error(`starting run ${action.runId} failed; the gate's alarm retries it`, error);
          return;
        }
        if (run) started.set(action.runId, run);
        const answer = run === null ? "missing" : FINISHED_RUN_STATUSES.includes(run.status) ? "finished" : "accepted";
        for (const [id, view] of await this.perform(
          this.decide({ type: "start_answered", runId: action.runId, answer }),
        ))
          started.set(id, view);
      }),
    );
    return started;
  }

  /** Starts the run (it ignores a second start), or admits it to the next gate (which ignores a second admit). */
  private async startOrHandOver(action: StartAction): Promise<RunView | null> {
    const [next, ...rest] = action.next;
    if (!next) return runStub(this.env, action.runId).startQueued();
    return (await gateStub(this.env, next.name).admit({ runId: action.runId, policy: next.policy, next: rest })).run;
  }

  // Computed and set synchronously, so the last caller always wins with fresh state.
  private armAlarm(): void {
    const at = gateWakeAt(this.state, Date.now()) ?? null;
    this.wakeUp.set(at);
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.run(work);
  }
}
