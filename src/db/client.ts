// The drizzle handle over D1; query modules take it as their first argument.
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Database = DrizzleD1Database<typeof schema>;

// Building a handle walks the whole schema (relational config); a binding lives as long
// as its isolate, so each gets one handle, not one per request or per outbox flush.
const handles = new WeakMap<D1Database, Database>();

export function database(d1: D1Database): Database {
  let handle = handles.get(d1);
  if (!handle) {
    handle = drizzle(d1, { schema });
    handles.set(d1, handle);
  }
  return handle;
}
