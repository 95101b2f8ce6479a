// IntakeShard: one of INTAKE_SHARDS Durable Objects (core/intake-shards.ts) holding the
// claims on idempotency keys and webhook delivery ids that hash to it. A claim is one
// SQLite write here instead of a D1 round trip, so starts scale with the shards, not with
// D1's one writer. An admitted webhook's start is held in its claim until the run exists:
// the delivery is acknowledged on that write, the run is created right behind the answer,
// and the alarm creates whatever a crash left held.
import { DurableObject } from "cloudflare:workers";
import { EarliestAlarm } from "../durable/earliest-alarm";
import { runIdInShard, shardOfKey } from "../core/intake-shards";
import type { Admission, AdmitRequest, Claim, ClaimRequest, IntakeRpc } from "../durable/intake-stub";
import type { StartCommand } from "../durable/run-commands";
import { runStub } from "../durable/run-stub";
import { newRunId } from "../run/ids";
import { CLAIM_TTL_MS, ClaimStore } from "./claims";

/** A held start stays well under SQLite's 2 MB value limit (in UTF-8 bytes); a larger one is created before the answer. */
const MAX_HELD_START_BYTES = 1024 * 1024;
/** When the alarm looks for held starts after an admit (the run is normally created long before). */
const HAND_OVER_BACKSTOP_MS = 5_000;
/** Held starts created per alarm, and expired claims dropped per alarm. */
const ALARM_BATCH = 100;
const PRUNE_BATCH = 5_000;

export class IntakeShard extends DurableObject<Env> implements IntakeRpc {
  private readonly claims: ClaimStore;
  private readonly wakeUp: EarliestAlarm;
  /** Hand-overs under way, so a reader asking for a run waits for the one already creating it. */
  private readonly handingOver = new Map<string, Promise<void>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.claims = new ClaimStore(ctx.storage.sql);
    this.wakeUp = new EarliestAlarm(ctx);
  }

  async admit({ key, start }: AdmitRequest): Promise<Admission> {
    const now = Date.now();
    const held = this.claims.holder(key, now);
    if (held) {
      // A first request that created its run before answering may have died before marking it: finish it with this copy.
      if (held.state === "in_flight" || held.state === "abandoned") await this.createHeldRun(key, held, start);
      return { runId: held.runId, duplicate: true };
    }
    const command: StartCommand = { ...start, runId: runIdInShard(newRunId(now), shardOfKey(key)), createdAt: now };
    const serialized = JSON.stringify(command);
    if (new TextEncoder().encode(serialized).byteLength > MAX_HELD_START_BYTES) {
      this.claims.insert({ key, runId: command.runId, state: "in_flight", requestHash: null, createdAt: now });
      await this.createHeldRun(key, { runId: command.runId, createdAt: now }, start);
      return { runId: command.runId, duplicate: false };
    }
    this.claims.insert({
      key,
      runId: command.runId,
      state: "pending",
      requestHash: null,
      createdAt: now,
      start: serialized,
    });
    this.wakeUp.armBy(now + HAND_OVER_BACKSTOP_MS);
    // Right behind the answer; the alarm is the backstop if this instance dies first.
    void this.handOver(command.runId).catch((error: unknown) =>
      console.error(`intake: run ${command.runId} not created yet; the alarm retries`, error),
    );
    return { runId: command.runId, duplicate: false };
  }

  async claim({ key, requestHash }: ClaimRequest): Promise<Claim> {
    const now = Date.now();
    const held = this.claims.holder(key, now);
    if (held) {
      const state = held.state === "pending" ? "done" : held.state;
      return { held: true, runId: held.runId, createdAt: held.createdAt, state, requestHash: held.requestHash };
    }
    const runId = runIdInShard(newRunId(now), shardOfKey(key));
    this.claims.insert({ key, runId, state: "in_flight", requestHash: requestHash ?? null, createdAt: now });
    this.wakeUp.armBy(now + CLAIM_TTL_MS);
    return { held: false, runId, createdAt: now };
  }

  async settle(key: string, runId: string): Promise<void> {
    this.claims.settle(key, runId);
  }

  async abandon(key: string): Promise<void> {
    this.claims.abandon(key);
  }

  async release(key: string): Promise<void> {
    this.claims.release(key);
  }

  async handOverRun(runId: string): Promise<boolean> {
    if (!this.claims.pendingStart(runId)) return false;
    await this.handOver(runId);
    return true;
  }

  override async alarm(): Promise<void> {
    this.wakeUp.delivered();
    const now = Date.now();
    this.claims.prune(now, PRUNE_BATCH);
    const held = this.claims.pendingRuns(ALARM_BATCH);
    const outcomes = await Promise.allSettled(held.map((runId) => this.handOver(runId)));
    const failed = outcomes.filter((outcome) => outcome.status === "rejected");
    if (failed.length > 0)
      console.error(`intake: ${failed.length} held runs not created yet; retrying`, failed[0]!.reason);
    // Admits during this alarm armed their own backstop; what is left is a retry, or the next expiry's prune.
    const soon = Date.now() + 1_000;
    const nextExpiry = this.claims.nextExpiry();
    if (failed.length > 0 || held.length === ALARM_BATCH) this.wakeUp.armBy(soon);
    else if (nextExpiry !== undefined) this.wakeUp.armBy(Math.max(nextExpiry, soon));
  }

  /** Creates a held run once, however many callers ask at the same time. */
  private handOver(runId: string): Promise<void> {
    let creating = this.handingOver.get(runId);
    if (!creating) {
      creating = this.createPendingRun(runId).finally(() => this.handingOver.delete(runId));
      this.handingOver.set(runId, creating);
    }
    return creating;
  }

  private async createPendingRun(runId: string): Promise<void> {
    const held = this.claims.pendingStart(runId);
    if (!held) return;
    await runStub(this.env, runId).accept(JSON.parse(held.start) as StartCommand);
    this.claims.settle(held.key, runId);
  }

  /** A run whose start was too large to hold: created from the request that has it, then marked. */
  private async createHeldRun(
    key: string,
    held: { runId: string; createdAt: number },
    start: AdmitRequest["start"],
  ): Promise<void> {
    try {
      await runStub(this.env, held.runId).accept({ ...start, runId: held.runId, createdAt: held.createdAt });
    } catch (error) {
      this.claims.abandon(key);
      throw error;
    }
    this.claims.settle(key, held.runId);
  }
}
