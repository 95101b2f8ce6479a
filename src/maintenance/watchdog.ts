// A safety net under every run's own alarm, driven by an alarm of its own. Durable Object
// alarms are delivered at least once on Cloudflare, but a process killed at the wrong moment
// (as `wrangler dev` can be) may lose one, and a run whose alarm is lost waits for ever. The
// watchdog, one object for the deployment, walks the unfinished runs that have been quiet
// for a while, a page per pass, and wakes each (RunCoordinator.wake: the alarm is written
// again and what is due is done); it also finishes event fan-outs no request finished. Its
// alarm repeats while there is such work; requests and the cron tick re-arm it (poke).
import { DurableObject } from "cloudflare:workers";
import { database } from "../db/client";
import { hasUnfinishedRuns, listQuietUnfinishedRuns } from "../db/runs";
import { runStub } from "../durable/run-stub";
import { finishUnfinishedEvents } from "../triggers/events";

/** A run is looked at once its index row has not changed for this long. */
const QUIET_MS = 15_000;
/** Time between passes while unfinished runs exist. */
const PASS_EVERY_MS = 10_000;
/** Runs woken per pass, and at once. */
const PAGE = 100;
const WAKE_AT_ONCE = 10;

export class RunWatchdog extends DurableObject<Env> {
  /** Makes sure a pass is coming (the alarm may have been lost with the process). */
  async poke(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const afterId = (await this.ctx.storage.get<string>("cursor")) ?? "";
    const db = database(this.env.DB);
    const quiet = await listQuietUnfinishedRuns(db, { afterId, quietSince: now - QUIET_MS, limit: PAGE });
    for (let start = 0; start < quiet.length; start += WAKE_AT_ONCE) {
      await Promise.all(
        quiet.slice(start, start + WAKE_AT_ONCE).map((runId) =>
          runStub(this.env, runId)
            .wake()
            .catch((error: unknown) => console.error(`watchdog: run ${runId} could not be woken`, error)),
        ),
      );
    }
    // A full page: the next pass goes on from here; otherwise the walk starts over. Passes
    // go on while any run or event fan-out is unfinished, and stop (until the next poke) when none is.
    const full = quiet.length === PAGE;
    await this.ctx.storage.put("cursor", full ? quiet.at(-1)! : "");
    const events = await finishUnfinishedEvents(this.env, now);
    if (full || quiet.length > 0 || events > 0 || (await hasUnfinishedRuns(db)))
      await this.ctx.storage.setAlarm(now + PASS_EVERY_MS);
  }
}

/** The deployment's one watchdog. */
export function watchdogStub(env: Env): RunWatchdog {
  return env.WATCHDOG.get(env.WATCHDOG.idFromName("runs")) as unknown as RunWatchdog;
}

let lastPoke = 0;
/** How often one isolate reminds the watchdog it exists. */
const POKE_EVERY_MS = 10_000;

/** Pokes the watchdog. WAYMARK_WATCHDOG = "off" turns it off (the Workers tests drive alarms by hand). */
export async function remindWatchdog(env: Env): Promise<void> {
  if ((env.WAYMARK_WATCHDOG as string) === "off") return;
  await watchdogStub(env)
    .poke()
    .catch((error: unknown) => console.error("watchdog poke failed", error));
}

/** Pokes the watchdog at most every POKE_EVERY_MS per isolate, in the background of `waitUntil`. */
export function pokeWatchdog(env: Env, waitUntil: (promise: Promise<unknown>) => void, now: number): void {
  if (now - lastPoke < POKE_EVERY_MS) return;
  lastPoke = now;
  waitUntil(remindWatchdog(env));
}
