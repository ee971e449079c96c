// The PostgreSQL adapter: a connection pool shared by any number of Vitrine processes.

import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Database } from "./database.js";
import { KyselyMetadataStore } from "./kysely-store.js";
import { RESOURCES_PRIMARY_KEY, RESOURCES_UNIQUE_KEY } from "./migrations.js";
import { errorProperty, type StoreDialect } from "./store-dialect.js";

const UNIQUE_VIOLATION = "23505";

/** Connects a pool to `url` (postgres://...); not yet migrated. Closing the store ends the pool. */
export function openPostgresStore(url: string): KyselyMetadataStore {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client that loses its server emits here, and unhandled that would end the process;
  // the pool has already dropped the client and the next query connects afresh.
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new KyselyMetadataStore(db, postgresStoreDialect);
}

const postgresStoreDialect: StoreDialect = {
  name: "postgres",
  rowLocks: true,
  async lockQuotaScope(trx, scope) {
    await sql`select pg_advisory_xact_lock(hashtextextended(${scope}, 0))`.execute(trx);
  },
  resourceUniqueViolation(error) {
    if (errorProperty(error, "code") !== UNIQUE_VIOLATION) return undefined;
    switch (errorProperty(error, "constraint")) {
      case RESOURCES_PRIMARY_KEY:
        return "key";
      case RESOURCES_UNIQUE_KEY:
        return "unique-key";
      default:
        return undefined;
    }
  },
};
