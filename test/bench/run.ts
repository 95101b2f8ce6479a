// `npm run bench` (`-- --smoke` for the tiny check, `-- --only a5,f --rounds 1` to focus):
// starts Waymark, the Cloudflare Workflows peer and the ceiling Worker under `wrangler dev`
// on loopback, runs every scenario round after round with the systems interleaved (the
// order flips each round), prints the table and saves it as JSON in test/bench/results/.
// Exits 1 when any scenario found an error (a run that failed, a wrong output, a lost
// delivery); missed targets are printed, never a failure of the process.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import path from "node:path";
import { ROOT } from "../../src/dev/local-stack.ts";
import { MockReceiver } from "../support/mock-receiver.ts";
import { hookDefinition, MAP_WORKFLOW, waymarkDefinition, type FlowName } from "./flows.ts";
import { parseOptions } from "./options.ts";
import { buildRows, formatTable, type Sample } from "./report.ts";
import { PeerRunner, runBatch, WaymarkRunner } from "./runners.ts";
import { sleep } from "./stats.ts";
import { ceilingScenarios } from "./scenarios/ceiling.ts";
import { d1TripScenarios } from "./scenarios/d1-trips.ts";
import { growthScenarios } from "./scenarios/growth.ts";
import { latencyScenarios } from "./scenarios/latency.ts";
import { probeScenarios } from "./scenarios/probes.ts";
import type { Context, Scenario, System } from "./scenarios/scenario.ts";
import { concurrentScenarios, throughputScenarios } from "./scenarios/throughput.ts";
import { simScenarios } from "./scenarios/sim.ts";
import { HOOK_TOKEN, webhookScenarios } from "./scenarios/webhook.ts";
import { startCeiling, startPeer, startWaymark, type Worker } from "./systems.ts";

const FLOWS: FlowName[] = ["seq1", "seq5", "http5", "parallel10", "sleep1"];
const options = parseOptions(process.argv.slice(2), process.env);
const began = Date.now();
const log = (message: string) =>
  console.log(`[bench ${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${message}`);

const scenarios: Scenario[] = [
  ...ceilingScenarios(),
  ...throughputScenarios(),
  ...latencyScenarios(),
  ...concurrentScenarios(options.concurrent, options.peerConcurrent),
  ...webhookScenarios(),
  ...growthScenarios(options.mapSizes, options.bigMap),
  ...d1TripScenarios(),
  ...probeScenarios(),
  ...simScenarios(),
].filter((s) => options.only.length === 0 || options.only.some((prefix) => s.id.startsWith(prefix)));

// `--report <results.json>`: the table of a saved run, rebuilt by the current report code; nothing is started.
if (options.report) {
  const saved = JSON.parse(readFileSync(options.report, "utf8")) as { samples: Sample[] };
  const measured = new Set(saved.samples.map((sample) => sample.scenario));
  console.log(
    formatTable(
      buildRows(
        scenarios.filter((scenario) => measured.has(scenario.id)),
        saved.samples,
      ),
    ),
  );
  process.exit(0);
}

// State on tmpfs when there is one, for all three systems alike: on this class of machine the
// fsyncs of local SQLite files otherwise dominate every figure (about 3× on a virtual disk),
// and Cloudflare's storage is not a local disk either.
const STATE_ROOT = process.env.BENCH_STATE_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : path.join(ROOT, "test/.tmp"));
const folder = path.join(STATE_ROOT, `waymark-bench-${Date.now()}-${randomBytes(3).toString("hex")}`);
mkdirSync(folder, { recursive: true });
const workers: Worker[] = [];
const stopAll = () => Promise.all(workers.map((worker) => worker.stop()));
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => void stopAll().then(() => process.exit(130)));

const mock = await MockReceiver.start();
let exitCode = 0;
try {
  const offline = scenarios.every((scenario) => scenario.offline);
  log(
    `${options.smoke ? "smoke" : "default"} run, ${options.rounds} round(s), ${scenarios.length} scenarios; ${offline ? "simulations only: no system started" : "starting Waymark, the peer and the ceiling under wrangler dev"}`,
  );
  const context = offline ? ({ options, notes: new Map() } as unknown as Context) : await startSystems();
  if (!offline) await setUp(context);
  const samples = await measureAll(context);
  const rows = buildRows(scenarios, samples);
  const table = formatTable(rows);
  console.log(`\n${table}\n`);
  for (const row of rows.filter((r) => r.verdict === "FAILED")) {
    const messages = samples.filter((s) => s.scenario === row.id).flatMap((s) => s.errors);
    console.log(`FAILED ${row.id}: ${row.errors} error(s), first: ${messages.slice(0, 3).join(" | ")}`);
  }
  const file = save({ options, rows, samples, table });
  log(`done in ${((Date.now() - began) / 1000).toFixed(0)} s; results in ${path.relative(ROOT, file)}`);
  if (rows.some((row) => row.verdict === "FAILED")) exitCode = 1;
} catch (error) {
  console.error(error);
  for (const worker of workers)
    console.error(`--- ${worker.name} output (last 3000 chars) ---\n${worker.output().slice(-3000)}`);
  exitCode = 1;
} finally {
  await stopAll();
  await mock.close();
  if (!process.env.BENCH_KEEP) rmSync(folder, { recursive: true, force: true });
}
process.exit(exitCode);

/** Waymark, the peer and the ceiling under wrangler dev, one after another (instances starting at once can race for the same local sockets). */
async function startSystems(): Promise<Context> {
  const waymarkWorker = await startWaymark(folder);
  workers.push(waymarkWorker);
  const peerWorker = await startPeer(folder);
  workers.push(peerWorker);
  const ceilingWorker = await startCeiling(folder);
  workers.push(ceilingWorker);
  log(`ready: Waymark ${waymarkWorker.url}, peer ${peerWorker.url}, ceiling ${ceilingWorker.url}, mock ${mock.url}`);
  return {
    options,
    waymark: new WaymarkRunner(waymarkWorker.url, waymarkWorker.vars.WAYMARK_ADMIN_TOKEN),
    peer: new PeerRunner(peerWorker.url, mock.url),
    workers: { waymark: waymarkWorker, peer: peerWorker, ceiling: ceilingWorker },
    mock,
    notes: new Map(),
  };
}

/** Saves the bench's flows on Waymark, and warms every path once on both systems (not measured). */
async function setUp(context: Context): Promise<void> {
  const { waymark, peer } = context;
  for (const flow of FLOWS)
    await waymark.call("PUT", `/api/workflows/bench-${flow}`, waymarkDefinition(flow, mock.url), [200, 201]);
  await waymark.call("PUT", `/api/workflows/${MAP_WORKFLOW.id}`, MAP_WORKFLOW, [200, 201]);
  await waymark.call("PUT", "/api/secrets/BENCH_HOOK_TOKEN", { value: HOOK_TOKEN }, [200, 201]);
  await waymark.call("PUT", `/api/workflows/${hookDefinition().id}`, hookDefinition(), [200, 201]);
  for (const flow of FLOWS.filter((f) => f !== "sleep1")) {
    for (const runner of [waymark, peer]) {
      const warm = await runBatch(runner, flow, 2, 2, 60_000, 1);
      if (warm.errors.length > 0)
        throw new Error(`warm-up of ${runner.system} ${flow} failed: ${warm.errors.join("; ")}`);
    }
  }
  // V8 optimizes the engine's hot paths only once they have run a while: one large map first,
  // so the growth rows compare warm code at every size (else the first large map pays for it).
  const { run } = await waymark.call<{ run: { id: string } }>(
    "POST",
    `/api/workflows/${MAP_WORKFLOW.id}/runs`,
    { input: { count: options.smoke ? 10 : 10_000 } },
    [202],
  );
  for (let outcome = await waymark.run(run.id); !outcome.finished; outcome = await waymark.run(run.id)) await sleep(50);
  log("flows saved and warmed up");
}

async function measureAll(context: Context): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const scenario of scenarios) {
      if (scenario.inRound && !scenario.inRound(round, options)) continue;
      const systems = (Object.keys(scenario.measure) as System[]).sort();
      // A B in odd rounds, B A in even ones: neither system always goes first.
      if (round % 2 === 0) systems.reverse();
      for (const system of systems) {
        const started = Date.now();
        try {
          const measured = await scenario.measure[system]!(context, round);
          samples.push({ scenario: scenario.id, system, round, ...measured });
          log(
            `round ${round} ${scenario.id} ${system}: ${measured.value.toFixed(2)} ${scenario.unit}${measured.errors.length ? `, ${measured.errors.length} ERRORS: ${measured.errors[0]}` : ""} (${Date.now() - started} ms)`,
          );
        } catch (error) {
          samples.push({ scenario: scenario.id, system, round, value: Number.NaN, errors: [String(error)] });
          log(`round ${round} ${scenario.id} ${system}: ERROR ${String(error)}`);
        }
      }
    }
  }
  return samples;
}

function save(result: object): string {
  const dir = path.join(ROOT, "test/bench/results");
  mkdirSync(dir, { recursive: true });
  const machine = {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  const file = path.join(
    dir,
    `bench-${options.smoke ? "smoke-" : ""}${new Date(began).toISOString().replace(/[:.]/g, "-")}.json`,
  );
  writeFileSync(
    file,
    JSON.stringify(
      { startedAt: new Date(began).toISOString(), durationMs: Date.now() - began, machine, ...result },
      null,
      2,
    ),
  );
  return file;
}
