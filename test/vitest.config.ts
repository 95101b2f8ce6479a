// Three levels of tests: the pure core in Node, the Worker inside
// workerd, and the real stack under `wrangler dev`.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export default defineConfig({
  test: {
    root,
    reporters: ["default", "./test/support/failed-tests-reporter.ts"],
    projects: [
      {
        test: {
          name: "core",
          root,
          include: [
            "test/architecture.test.ts",
            "test/core/**/*.test.ts",
            // Node-only code of the other layers (parsers, verifiers, executors with fakes).
            "test/**/*.node.test.ts",
          ],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: path.join(root, "wrangler.toml") },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations(path.join(root, "migrations")),
                WAYMARK_ADMIN_TOKEN: "wm_test_admin",
                WAYMARK_MASTER_KEY: "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmchISE=",
                // The tests fire alarms by hand; the watchdog would wake runs behind their back.
                WAYMARK_WATCHDOG: "off",
              },
              // Miniflare would deliver every task the run dispatches to this Worker's own
              // consumer, racing the test. Tasks go to a queue nobody consumes instead; the
              // tests feed the consumer explicit batches (test/support/workers/tasks.ts).
              queueProducers: { TASKS: { queueName: "waymark-tasks-unconsumed" } },
            },
          })),
        ],
        // One workerd runner for every file, files one after another: ~16 s instead of ~2 min
        // (a runner per file). Files share D1 and the isolate, so each test names its own
        // workflows and restores what it fakes (Date, fetch); see test/support/workers/.
        test: {
          name: "workers",
          root,
          isolate: false,
          fileParallelism: false,
          // One folder per layer of src/ that runs in the Worker (test/architecture.test.ts names them).
          include: [
            "test/{security,durable,http,db,ai,run,gate,intake,writer,triggers,api,tasks,maintenance}/**/*.test.ts",
          ],
          exclude: ["test/**/*.node.test.ts"],
          setupFiles: ["test/workers-setup.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          root,
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        // The dashboard in Debian's Chromium (playwright-core) against `wrangler dev`, which
        // builds dashboard/dist first through wrangler.toml's [build].
        test: {
          name: "browser",
          root,
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
