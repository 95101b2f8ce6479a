// The three systems under test, each a `wrangler dev` on a free loopback port with its own
// state folder: Waymark (from a generated copy of wrangler.toml with the rate limits raised,
// so the bench measures the engine and not the limiter, and its D1 round trips counted), the
// Workflows peer and the ceiling.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  applyLocalMigrations,
  ensureDevVars,
  freePort,
  OFFLINE_ENV,
  ROOT,
  type DevVars,
} from "../../src/dev/local-stack.ts";
import { D1_COUNTS_PATH } from "./counting/d1-counter.ts";

const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
// The dashboard's build step runs `node dashboard/build.ts`: make that the Node 22 of node_modules, as npm scripts do.
const NODE_FIRST_PATH = `${path.join(ROOT, "node_modules/.bin")}${path.delimiter}${process.env.PATH ?? ""}`;
const READY_TIMEOUT_MS = 120_000;
/** Far above anything the bench sends in a minute (500 webhook deliveries a round, thousands of API calls). */
const BENCH_RATE_LIMIT = 1_000_000;

export interface Worker {
  readonly name: string;
  readonly url: string;
  readonly persistTo: string;
  /** The process group leader: wrangler; workerd is in its group. */
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

export interface WaymarkWorker extends Worker {
  readonly vars: DevVars;
}

export async function startWaymark(folder: string): Promise<WaymarkWorker> {
  const persistTo = path.join(folder, "waymark-state");
  mkdirSync(persistTo, { recursive: true });
  const vars = ensureDevVars(path.join(folder, ".dev.vars"));
  await applyLocalMigrations(persistTo);
  const config = path.join(folder, "waymark.wrangler.toml");
  writeFileSync(config, benchConfig(readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")));
  const worker = await startWorker({
    name: "waymark",
    config,
    persistTo,
    envFile: path.join(folder, ".dev.vars"),
    healthPath: "/api/health",
  });
  return { ...worker, vars };
}

export function startPeer(folder: string): Promise<Worker> {
  return startWorker({
    name: "peer",
    config: path.join(import.meta.dirname, "peer/wrangler.toml"),
    persistTo: path.join(folder, "peer-state"),
    healthPath: "/health",
  });
}

export function startCeiling(folder: string): Promise<Worker> {
  return startWorker({
    name: "ceiling",
    config: path.join(import.meta.dirname, "ceiling/wrangler.toml"),
    persistTo: path.join(folder, "ceiling-state"),
    healthPath: "/health",
  });
}

/**
 * The repo's wrangler.toml with paths made absolute (the copy lives in a temp folder) and the
 * `[[ratelimits]]` entries taken out, their limits raised out of reach on the per-isolate
 * fallback instead. Locally, miniflare simulates the binding with one Durable Object that
 * every request calls (3–5 ms at idle, and one queue for a burst of 500 webhooks), where in
 * production the binding counts in the Worker's own location. The bench measures the engine,
 * not that simulation. Its `main` is the bench's entry, which counts D1 round trips
 * (counting/index.ts) and answers them on a path of its own, reached before the dashboard's
 * assets. Fails loudly when the file no longer has the shape this expects,
 * rather than benchmarking a silently different config.
 */
function benchConfig(source: string): string {
  const replacements: [RegExp, string][] = [
    // The real Worker, wrapped so that its D1 round trips are counted (counting/index.ts).
    [/^main = "([^"]+)"$/m, `main = "${path.join(import.meta.dirname, "counting/index.ts")}"`],
    [/^run_worker_first = \[(.+)\]$/m, `run_worker_first = [$1, "${D1_COUNTS_PATH}"]`],
    [/^directory = "([^"]+)"$/m, `directory = "${path.join(ROOT, "dashboard/dist")}"`],
    [/^migrations_dir = "([^"]+)"$/m, `migrations_dir = "${path.join(ROOT, "migrations")}"`],
    [/^watch_dir = "([^"]+)"$/m, `watch_dir = "${path.join(ROOT, "dashboard/src")}"\ncwd = "${ROOT}"`],
    [
      /^\[vars\]$/m,
      `[vars]\nWAYMARK_RATE_LIMIT_PER_TOKEN = "${BENCH_RATE_LIMIT}"\nWAYMARK_RATE_LIMIT_PER_WEBHOOK = "${BENCH_RATE_LIMIT}"`,
    ],
  ];
  let config = source;
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(config))
      throw new Error(`wrangler.toml has no line matching ${pattern}: update test/bench/systems.ts`);
    config = config.replace(pattern, replacement);
  }
  const limits =
    /^\[\[ratelimits\]\]\nname = "\w+"\nnamespace_id = "\d+"\nsimple = \{ limit = \d+, period = \d+ \}\n/gm;
  if (!limits.test(config))
    throw new Error(
      "wrangler.toml has no [[ratelimits]] entry of the shape `name`, `namespace_id`, `simple`: update test/bench/systems.ts",
    );
  return config.replace(limits, "");
}

interface WorkerOptions {
  name: string;
  config: string;
  persistTo: string;
  envFile?: string;
  healthPath: string;
}

/** Starts the worker on a free port; another process can take that port first, so a clash is retried on a new one. */
async function startWorker(options: WorkerOptions): Promise<Worker> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWorkerOnce(options, await freePort());
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(String(error))) throw error;
    }
  }
}

async function startWorkerOnce(options: WorkerOptions, port: number): Promise<Worker> {
  mkdirSync(options.persistTo, { recursive: true });
  const args = [
    "dev",
    "--config",
    options.config,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    options.persistTo,
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  if (options.envFile) args.push("--env-file", options.envFile);
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...OFFLINE_ENV, PATH: NODE_FIRST_PATH },
  });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const worker: Worker = {
    name: options.name,
    url,
    persistTo: options.persistTo,
    pid: child.pid!,
    output: () => output,
    stop: () => stopGroup(child, exited),
  };
  try {
    await waitUntilReady(`${url}${options.healthPath}`, child, () => output);
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return worker;
}

/** SIGTERM to wrangler's process group, SIGKILL if it lingers: workerd never outlives the bench. */
async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
  signal("SIGKILL");
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(5_000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`wrangler dev did not answer ${url}:\n${output()}`);
}

export interface Usage {
  /** Resident memory of the processes now, KiB. */
  rssKiB: number;
  /** CPU time (user + system) they have used so far, ms. */
  cpuMs: number;
}

const TICKS_PER_SECOND = 100;

/** Memory and CPU of every process in the worker's group (wrangler and workerd), from /proc. */
export function groupUsage(worker: Worker): Usage {
  const usage = { rssKiB: 0, cpuMs: 0 };
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // After "(comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== worker.pid) continue;
      usage.cpuMs += ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, "utf8"));
      usage.rssKiB += rss ? Number(rss[1]) : 0;
    } catch {
      // the process ended meanwhile
    }
  }
  return usage;
}
