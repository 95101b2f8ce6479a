// `npm start`: a ready-to-use local Waymark. Creates .dev.vars (random admin token and
// master key) if missing, applies D1 migrations, starts `wrangler dev`, loads the
// example flows and prints the dashboard URL and the token.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { applyLocalMigrations, ensureDevVars, ROOT, startDevServer } from "./local-stack.ts";

const port = Number(process.env.PORT ?? 8787);
const persistTo = path.join(ROOT, ".wrangler/state");
const vars = ensureDevVars(path.join(ROOT, ".dev.vars"));

console.log("Applying D1 migrations…");
await applyLocalMigrations(persistTo);
console.log("Starting wrangler dev…");
const server = await startDevServer({ port, persistTo, inheritOutput: true });
await loadExamples(server.url, vars.WAYMARK_ADMIN_TOKEN);

console.log(`
  Waymark is running.
  Dashboard: ${server.url}/
  API:       ${server.url}/api/openapi.json
  Token:     ${vars.WAYMARK_ADMIN_TOKEN}

  Try: curl -H "Authorization: Bearer ${vars.WAYMARK_ADMIN_TOKEN}" ${server.url}/api/workflows
`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void server.stop().then(() => process.exit(0)));
}

async function loadExamples(url: string, token: string): Promise<void> {
  const dir = path.join(ROOT, "examples");
  for (const file of readdirSync(dir)
    .filter((name) => /\.(ya?ml|json)$/.test(name))
    .sort()) {
    const body = readFileSync(path.join(dir, file), "utf8");
    const id = path.basename(file).replace(/\.(ya?ml|json)$/, "");
    const response = await fetch(`${url}/api/workflows/${id}`, {
      method: "PUT",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": file.endsWith(".json") ? "application/json" : "application/yaml",
      },
      body,
    });
    const outcome = response.ok
      ? `version ${((await response.json()) as { version: number }).version}`
      : `${response.status} ${await response.text()}`;
    console.log(`  example ${id}: ${outcome}`);
  }
}
