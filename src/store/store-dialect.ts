// What the one query layer cannot say alike in SQLite and PostgreSQL: how concurrent writers are
// kept apart, and how a driver reports a unique violation.

import type { Transaction } from "kysely";
import type { Database } from "./database.js";
import type { SchemaDialect } from "./migrations.js";

/** Which unique index of `resources` an insert ran into. */
export type ResourceUniqueViolation = "key" | "unique-key";

export interface StoreDialect {
  readonly name: SchemaDialect;
  /**
   * Whether rows can be locked (`SELECT ... FOR UPDATE`). Where they cannot (SQLite), every write
   * transaction holds the database's write lock from its start, which serialises writers anyway.
   */
  readonly rowLocks: boolean;
  /** Holds, until `trx` ends, a lock that serialises the creates counted against one quota scope. */
  lockQuotaScope(trx: Transaction<Database>, scope: string): Promise<void>;
  /** The unique index of `resources` that `error` reports violated, if it is such a violation. */
  resourceUniqueViolation(error: unknown): ResourceUniqueViolation | undefined;
}

/** A property of a thrown value, which drivers decorate with codes. */
export function errorProperty(error: unknown, name: string): unknown {
  return typeof error === "object" && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}
