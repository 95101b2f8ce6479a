// Three levels of tests (STYLE §13): the pure core in Node, the Worker inside
// workerd, and the real stack under `wrangler dev`.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export default defineConfig({
  test: {
    root,
    projects: [
      {
        test: { name: "core", root, include: ["test/core/**/*.test.ts", "test/tasks/**/*.node.test.ts", "test/security/**/*.node.test.ts"], environment: "node" },
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
              },
            },
          })),
        ],
        test: { name: "workers", root, include: ["test/{api,run,tasks}/**/*.test.ts"], exclude: ["test/**/*.node.test.ts"], setupFiles: ["test/workers-setup.ts"] },
      },
      {
        test: { name: "e2e", root, include: ["test/e2e/**/*.test.ts"], environment: "node", testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false },
      },
    ],
  },
});
