// The access generation (migration 0005): a counter that every write to what authorization reads
// raises in the write's own transaction, so that a reader who saw generation G and then read
// those tables holds data at least as new as G, and any later write, from any process, shows as
// another number.

import { sql, type Kysely } from "kysely";
import { CompiledOnce } from "./compiled-query.js";
import type { Database } from "./database.js";

type Db = Kysely<Database>;

/** Read at every ARM request. */
const generationQuery = new CompiledOnce((db) => db.selectFrom("access_generation").select("generation").where("id", "=", 1));

/** The current generation; undefined when the row is missing (then nothing may be cached by it). */
export async function accessGeneration(db: Db): Promise<number | undefined> {
  const [row] = await generationQuery.rows(db, [1]);
  return row === undefined ? undefined : Number(row.generation);
}

/**
 * Runs `write` in a transaction that also raises the generation, unless `changed` says the write
 * changed nothing (a duplicate refused, a removal of what was not there).
 */
export function accessWrite<T>(db: Db, write: (trx: Db) => Promise<T>, changed: (result: T) => boolean = () => true): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const result = await write(trx);
    if (changed(result)) {
      await trx
        .updateTable("access_generation")
        .set({ generation: sql<number>`generation + 1` })
        .where("id", "=", 1)
        .execute();
    }
    return result;
  });
}
