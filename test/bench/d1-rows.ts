// D1 writes per run, counted from outside: the rows in each table of the local D1 database
// (miniflare keeps it as one SQLite file under the state folder), read-only, before and
// after a batch of runs. Inserted rows are counted; updates in place (the run index row
// changing status) are not visible this way, which the report says.
import { readdirSync, existsSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { sleep } from "./stats.ts";

export type RowCounts = Record<string, number>;

function databaseFile(persistTo: string): string {
  const folder = path.join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
  if (!existsSync(folder)) throw new Error(`no local D1 database under ${folder}`);
  const files = readdirSync(folder).filter((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
  if (files.length !== 1)
    throw new Error(`expected one D1 database file in ${folder}, found ${files.join(", ") || "none"}`);
  return path.join(folder, files[0]!);
}

export function countRows(persistTo: string): RowCounts {
  const db = new DatabaseSync(databaseFile(persistTo), { readOnly: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' AND name NOT LIKE '%_fts%'",
      )
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [name, (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]),
    );
  } finally {
    db.close();
  }
}

/** Counts again until nothing changes for `quietMs` (the runs' outboxes flush in the background). */
export async function settledRows(persistTo: string, quietMs = 600, timeoutMs = 20_000): Promise<RowCounts> {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(countRows(persistTo));
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(100);
    const now = JSON.stringify(countRows(persistTo));
    if (now !== last) [last, since] = [now, Date.now()];
    else if (Date.now() - since >= quietMs) break;
  }
  return JSON.parse(last) as RowCounts;
}

/** Rows added per run, by table (tables that did not grow are left out). */
export function rowsPerRun(before: RowCounts, after: RowCounts, runs: number): Record<string, number> {
  const grown = Object.entries(after)
    .map(([table, count]) => [table, (count - (before[table] ?? 0)) / runs] as const)
    .filter(([, perRun]) => perRun !== 0);
  return Object.fromEntries(grown);
}
