// The real stack for end-to-end tests: one `wrangler dev` per test file on a free
// loopback port, with its own state folder and secrets, migrated, and torn down after.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach } from "vitest";
import {
  applyLocalMigrations,
  ensureDevVars,
  freePort,
  ROOT,
  startDevServer,
  type DevServer,
  type DevVars,
} from "../../src/dev/local-stack.ts";
import { MockReceiver } from "./mock-receiver.ts";
import { WaymarkClient } from "./waymark-client.ts";

const TMP = path.join(ROOT, "test/.tmp");
const STOP_GRACE_MS = 5_000;

export interface Stack {
  readonly url: string;
  readonly port: number;
  /** The `--persist-to` folder: D1, Durable Objects (alarms included) and R2; queued messages live in memory. */
  readonly persistTo: string;
  readonly vars: DevVars;
  readonly api: WaymarkClient;
  readonly server: DevServer;
  /** SIGKILLs wrangler and workerd together: a crash, not a shutdown. */
  kill(): Promise<void>;
  /** Starts `wrangler dev` again on the same port and state folder; resolves once healthy. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** wrangler's output since the last (re)start. */
  output(): string;
}

export async function startStack(name: string): Promise<Stack> {
  const folder = path.join(TMP, `${name}-${Date.now()}-${randomBytes(3).toString("hex")}`);
  const persistTo = path.join(folder, "state");
  mkdirSync(persistTo, { recursive: true });
  const envFile = path.join(folder, ".dev.vars");
  const vars = ensureDevVars(envFile);
  await applyLocalMigrations(persistTo);
  const started = await startOnFreePort(persistTo, envFile);
  const port = started.port;
  let server = started.server;
  const api = new WaymarkClient(server.url, vars.WAYMARK_ADMIN_TOKEN);
  return {
    url: server.url,
    port,
    persistTo,
    vars,
    api,
    get server() {
      return server;
    },
    kill: () => server.kill(),
    restart: async () => {
      server = await startDevServer({ port, persistTo, envFile });
    },
    stop: async () => {
      await stopGracefully(server);
      if (!process.env.WAYMARK_E2E_KEEP) rmSync(folder, { recursive: true, force: true });
    },
    output: () => server.output(),
  };
}

/**
 * A port found free can be taken again before wrangler binds it (several stacks start
 * at once across test projects): on "address already in use", try another port.
 */
async function startOnFreePort(persistTo: string, envFile: string): Promise<{ port: number; server: DevServer }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { port, server: await startDevServer({ port, persistTo, envFile }) };
    } catch (error) {
      if (attempt >= 3 || !/address already in use/i.test(String(error))) throw error;
    }
  }
}

async function stopGracefully(server: DevServer): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), STOP_GRACE_MS)));
  const outcome = await Promise.race([server.stop().then(() => "stopped" as const), timeout]);
  clearTimeout(timer);
  if (outcome === "timeout") await server.kill();
}

/**
 * Starts a stack before the file's tests and stops it after them. When a test fails,
 * the end of wrangler's output is printed with it. Read `.current` inside tests and hooks.
 */
export function useStack(name: string): { readonly current: Stack } {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack(name);
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach((context) => {
    context.onTestFailed(() => {
      if (stack) console.error(`--- wrangler dev output (last 4000 chars) ---\n${stack.output().slice(-4000)}`);
    });
  });
  return {
    get current() {
      if (!stack) throw new Error("the stack is not started yet: use it inside tests or hooks");
      return stack;
    },
  };
}

/** One receiver for a test file: started before its tests, closed after them. */
export function useReceiver(): { readonly current: MockReceiver } {
  let receiver: MockReceiver | undefined;
  beforeAll(async () => {
    receiver = await MockReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
  });
  return {
    get current() {
      if (!receiver) throw new Error("the receiver starts in beforeAll");
      return receiver;
    },
  };
}
