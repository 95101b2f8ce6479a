// A D1 table that is not there: every statement on it fails, as when D1 refuses writes.
import { env } from "cloudflare:workers";

/** Runs `work` while `table` is renamed away, and puts it back whatever happens. */
export async function whileTableAway<T>(table: string, work: () => Promise<T>): Promise<T> {
  await env.DB.prepare(`ALTER TABLE ${table} RENAME TO ${table}_away`).run();
  try {
    return await work();
  } finally {
    await env.DB.prepare(`ALTER TABLE ${table}_away RENAME TO ${table}`).run();
  }
}
