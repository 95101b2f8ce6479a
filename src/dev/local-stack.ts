// Node-side tooling (never bundled into the Worker): starts `wrangler dev` on a
// loopback port with its own state folder, for `npm start` and the end-to-end tests.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
// Run wrangler on this Node (22, from the node@22 devDependency), whatever is first on PATH.
const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
/** Keeps wrangler on loopback: no update check, no `Request.cf` download, no metrics. */
export const OFFLINE_ENV = {
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
};

export interface DevVars {
  WAYMARK_ADMIN_TOKEN: string;
  WAYMARK_MASTER_KEY: string;
}

function newDevVars(): DevVars {
  return {
    WAYMARK_ADMIN_TOKEN: `wm_admin_${randomBytes(24).toString("base64url")}`,
    WAYMARK_MASTER_KEY: randomBytes(32).toString("base64"),
  };
}

/** Reads `file`, creating it with fresh random values when missing. */
export function ensureDevVars(file: string): DevVars {
  if (!existsSync(file)) {
    const vars = newDevVars();
    writeFileSync(
      file,
      `${Object.entries(vars)
        .map(([k, v]) => `${k}="${v}"`)
        .join("\n")}\n`,
      { mode: 0o600 },
    );
  }
  const vars = Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .map((line) => /^([A-Z_]+)\s*=\s*"?([^"]*)"?\s*$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
  return vars as unknown as DevVars;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function runWrangler(args: string[], options: { env?: Record<string, string> } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...OFFLINE_ENV, ...options.env },
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`wrangler ${args.join(" ")} failed (${code}):\n${output}`)),
    );
  });
}

export function applyLocalMigrations(persistTo: string): Promise<void> {
  return runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], {
    env: { CI: "true" },
  });
}

export interface DevServerOptions {
  port: number;
  persistTo: string;
  envFile?: string;
  /** Pass wrangler's output through (npm start) or keep it for diagnostics (tests). */
  inheritOutput?: boolean;
}

export interface DevServer {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** SIGKILLs the whole process group (wrangler and workerd): a crash, not a shutdown. */
  kill: () => Promise<void>;
  stop: () => Promise<void>;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--persist-to",
    options.persistTo,
    "--show-interactive-dev-session=false",
    "--log-level",
    "info",
  ];
  if (options.envFile) args.push("--env-file", options.envFile);
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", options.inheritOutput ? "inherit" : "pipe", options.inheritOutput ? "inherit" : "pipe"],
    env: { ...process.env, ...OFFLINE_ENV },
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${options.port}`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
    await exited;
  };
  const server: DevServer = {
    url,
    child,
    output: () => output,
    kill: () => signal("SIGKILL"),
    stop: () => signal("SIGTERM"),
  };
  await waitForHealth(url, child, () => output);
  return server;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output()}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not become healthy:\n${output()}`);
}
