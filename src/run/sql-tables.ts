/**
 * The tables of the object's database, learnt with one query when the object starts. A
 * plain run needs neither the items of maps nor gates nor duties, so those tables are
 * created by their first write, and their reads answer empty (without a query) until then.
 */
export class SqlTables {
  private names: Set<string>;

  constructor(private readonly sql: SqlStorage) {
    this.names = this.read();
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Runs `ddl` (CREATE TABLE IF NOT EXISTS …) unless every table of `names` exists already. */
  create(names: readonly string[], ddl: string): void {
    if (names.every((name) => this.names.has(name))) return;
    this.sql.exec(ddl);
    for (const name of names) this.names.add(name);
  }

  /** A rolled-back transaction takes the tables it created with it: learn them again. */
  relearn(): void {
    this.names = this.read();
  }

  private read(): Set<string> {
    return new Set(
      this.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((row) => row.name),
    );
  }
}
