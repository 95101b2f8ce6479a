// The benchmark in its smoke mode (`npm run bench -- --smoke`): it starts Waymark, the
// Workflows peer and the ceiling Worker, runs every scenario with tiny counts and checks every
// run. Asserted: it completes and found no error (no failed run, wrong output or lost
// delivery). Never timings: the figures belong to `npm run bench`, not to a test.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../src/dev/local-stack";

interface BenchResult {
  rows: { id: string; verdict: string; errors: number }[];
  samples: { scenario: string; system: string; errors: string[] }[];
}

function runSmoke(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--experimental-transform-types", "--disable-warning=ExperimentalWarning", "test/bench/run.ts", "--smoke"],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("the benchmark's smoke mode", () => {
  it("runs every scenario on all three systems and finds no error", async () => {
    const { code, output } = await runSmoke();
    expect(code, output.slice(-4000)).toBe(0);
    const file = /results in (\S+\.json)/.exec(output)?.[1];
    expect(file, output.slice(-2000)).toBeDefined();
    const result = JSON.parse(readFileSync(path.join(ROOT, file!), "utf8")) as BenchResult;
    expect(result.samples.filter((sample) => sample.errors.length > 0)).toEqual([]);
    expect(result.rows.filter((row) => row.verdict === "FAILED")).toEqual([]);
    const systems = new Set(result.samples.map((sample) => sample.system));
    expect([...systems].sort()).toEqual(["ceiling", "peer", "waymark"]);
  }, 240_000);
});
