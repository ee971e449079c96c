// A hot query compiled once per database and run with new parameters: building and compiling a
// Kysely query each time cost about as much as SQLite's reading the row (a GET runs two).

import type { CompiledQuery, Kysely } from "kysely";
import type { Database } from "./database.js";

type Db = Kysely<Database>;

export class CompiledOnce<Row> {
  private readonly compiled = new WeakMap<Db, CompiledQuery<Row>>();

  /** `build`'s parameters, in the order they appear in its SQL, are the placeholders that `rows` replaces. */
  constructor(private readonly build: (db: Db) => { compile(): CompiledQuery<Row> }) {}

  async rows(db: Db, parameters: readonly unknown[]): Promise<Row[]> {
    let compiled = this.compiled.get(db);
    if (!compiled) {
      compiled = this.build(db).compile();
      this.compiled.set(db, compiled);
    }
    const query: CompiledQuery<Row> = { ...compiled, parameters };
    return (await db.executeQuery(query)).rows;
  }
}
