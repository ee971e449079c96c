// The SQLite adapter: one better-sqlite3 connection per process, serialised by Kysely.

import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDatabase as SqliteDialectDatabase } from "kysely";
import type { Database } from "./database.js";
import { KyselyMetadataStore } from "./kysely-store.js";
import { errorProperty, type StoreDialect } from "./store-dialect.js";

export const MEMORY_PATH = ":memory:";

const BUSY_TIMEOUT_MS = 5000;

/** Opens (creating if need be) the database at `path`, or an in-memory one; not yet migrated. */
export function openSqliteStore(path: string): KyselyMetadataStore {
  if (path !== MEMORY_PATH) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // The database holds the token signing key and secret hashes: readable by its owner only
    // (SQLite gives its -wal and -shm files the same mode).
    closeSync(openSync(path, "a", 0o600));
    chmodSync(path, 0o600);
  }
  const database = new SqliteDatabase(path);
  try {
    database.pragma("journal_mode = WAL");
    database.pragma("foreign_keys = ON");
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(database) });
  return new KyselyMetadataStore(db, sqliteStoreDialect);
}

const sqliteStoreDialect: StoreDialect = {
  name: "sqlite",
  rowLocks: false,
  // Every write transaction already holds the database's write lock (BEGIN IMMEDIATE).
  lockQuotaScope: async () => {},
  resourceUniqueViolation(error) {
    switch (errorProperty(error, "code")) {
      case "SQLITE_CONSTRAINT_PRIMARYKEY":
        return "key";
      // `resources` has one unique index besides its primary key.
      case "SQLITE_CONSTRAINT_UNIQUE":
        return "unique-key";
      default:
        return undefined;
    }
  },
};

/**
 * Begins transactions IMMEDIATE: a deferred BEGIN reads first and asks for the write lock at the
 * first write, where another process holding it makes SQLite fail at once with SQLITE_BUSY
 * rather than wait out busy_timeout.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  private readonly database: SqliteDialectDatabase;

  constructor(database: SqliteDatabase.Database) {
    const prepared = withStatementCache(database);
    super({ database: prepared });
    this.database = prepared;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

/** Statements kept at most; queries with IN lists of other lengths are other texts. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew; preparing was a tenth of a cheap GET's CPU.
 * better-sqlite3 statements are reusable (the driver only reads `reader` and calls all, run and
 * iterate), so they are kept by their SQL text, the oldest dropped first.
 */
function withStatementCache(database: SqliteDatabase.Database): SqliteDialectDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}
