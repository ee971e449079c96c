// ARM resources: reads, and the writes whose guards must hold under concurrency.
//
// How the guards stay atomic. SQLite: a write transaction holds the database's write lock from
// BEGIN (IMMEDIATE), so writers simply take turns. PostgreSQL (READ COMMITTED, each statement
// sees what committed before it started):
// - creates counted against one quota scope take one advisory lock, so each counts what the
//   previous one inserted;
// - a create holds its parent row FOR KEY SHARE (what a foreign key check takes): creates under
//   one parent do not wait for each other, but a delete of the parent (which locks the row FOR
//   UPDATE, or deletes it) waits for them to commit and then sees their children, while a create
//   that comes after the delete's lock finds the parent gone;
// - two creates of one key or one uniqueKey that pass the checks together meet in the unique
//   index: the later insert fails, and its error is turned into "exists" or "unique-conflict".

import type { Kysely, Transaction } from "kysely";
import type {
  CreateResult,
  DeleteResult,
  ListQuery,
  QuotaGuard,
  ResourceRecord,
  SwapResult,
  UsageCount,
} from "../ports/metadata-store.js";
import { CompiledOnce } from "./compiled-query.js";
import type { Database } from "./database.js";
import { toResourceRecord, toResourceRow, toResourceUpdate } from "./records.js";
import type { StoreDialect } from "./store-dialect.js";

/** A parent of this form is a subscription, which is not a row of `resources` and always counts as present. */
const SUBSCRIPTION_KEY = /^\/subscriptions\/[^/]+$/;

/** How many children a refused delete reports. */
const REPORTED_CHILDREN = 5;

/** Rounds of create after a unique violation whose holder is gone by the time it is read. */
const CREATE_ATTEMPTS = 3;

/** Read at every request that names a resource. */
const resourceQuery = new CompiledOnce((db) => db.selectFrom("resources").selectAll().where("key", "=", ""));

export async function getResource(db: Kysely<Database>, key: string): Promise<ResourceRecord | undefined> {
  const [row] = await resourceQuery.rows(db, [key]);
  return row && toResourceRecord(row);
}

export async function createResource(
  db: Kysely<Database>,
  dialect: StoreDialect,
  record: ResourceRecord,
  quota?: QuotaGuard,
): Promise<CreateResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute((trx) => createGuarded(trx, dialect, record, quota));
    } catch (error) {
      const violation = dialect.resourceUniqueViolation(error);
      if (violation === undefined) throw error;
      // The transaction is rolled back; the row that won the race has committed since.
      const holder = violation === "key" ? await getResource(db, record.key) : await findUniqueHolder(db, record);
      if (holder !== undefined) {
        return violation === "key" ? { kind: "exists", record: holder } : { kind: "unique-conflict", existing: holder };
      }
      if (attempt === CREATE_ATTEMPTS) throw error;
    }
  }
}

async function createGuarded(
  trx: Transaction<Database>,
  dialect: StoreDialect,
  record: ResourceRecord,
  quota: QuotaGuard | undefined,
): Promise<CreateResult> {
  if (quota !== undefined) {
    await dialect.lockQuotaScope(trx, `quota:${record.subscriptionId}:${quota.type}:${record.location}`);
  }
  if (!SUBSCRIPTION_KEY.test(record.parentKey)) {
    let parent = trx.selectFrom("resources").select("key").where("key", "=", record.parentKey);
    if (dialect.rowLocks) parent = parent.forKeyShare();
    if ((await parent.executeTakeFirst()) === undefined) return { kind: "parent-missing" };
  }
  const existing = await getResource(trx, record.key);
  if (existing !== undefined) return { kind: "exists", record: existing };
  const holder = await findUniqueHolder(trx, record);
  if (holder !== undefined) return { kind: "unique-conflict", existing: holder };
  if (quota !== undefined) {
    const usage = await countOfType(trx, record.subscriptionId, record.location, quota.type);
    if (usage >= quota.limit) return { kind: "quota-exceeded", usage };
  }
  await trx.insertInto("resources").values(toResourceRow(record)).execute();
  return { kind: "created", record };
}

/** The sibling of the same type that holds `record.uniqueKey`, if any. */
async function findUniqueHolder(db: Kysely<Database>, record: ResourceRecord): Promise<ResourceRecord | undefined> {
  if (record.uniqueKey === null) return undefined;
  const row = await db
    .selectFrom("resources")
    .selectAll()
    .where("parent_key", "=", record.parentKey)
    .where("type", "=", record.type)
    .where("unique_key", "=", record.uniqueKey)
    .executeTakeFirst();
  return row && toResourceRecord(row);
}

async function countOfType(
  db: Kysely<Database>,
  subscriptionId: string,
  location: string,
  type: string,
): Promise<number> {
  const row = await db
    .selectFrom("resources")
    .select((eb) => eb.fn.countAll<number | string | bigint>().as("count"))
    .where("subscription_id", "=", subscriptionId)
    .where("location", "=", location)
    .where("type", "=", type)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function updateResource(
  db: Kysely<Database>,
  record: ResourceRecord,
): Promise<ResourceRecord | undefined> {
  const row = await db
    .updateTable("resources")
    .set(toResourceUpdate(record))
    .where("key", "=", record.key)
    .returningAll()
    .executeTakeFirst();
  return row && toResourceRecord(row);
}

/**
 * A compare-and-swap: `next` replaces the record only while it is still `expected` as stored (its
 * updatedAt, body and internal data, compared as the JSON text the adapters wrote), so that a
 * read-modify-write of another process in between is detected rather than undone.
 */
export async function swapResource(db: Kysely<Database>, expected: ResourceRecord, next: ResourceRecord): Promise<SwapResult> {
  const stored = toResourceUpdate(expected);
  const row = await db
    .updateTable("resources")
    .set(toResourceUpdate(next))
    .where("key", "=", expected.key)
    .where("updated_at", "=", expected.updatedAt)
    .where("body", "=", stored.body as string)
    .where((eb) => (stored.internal == null ? eb("internal", "is", null) : eb("internal", "=", stored.internal)))
    .returningAll()
    .executeTakeFirst();
  if (row) return { kind: "updated", record: toResourceRecord(row) };
  return (await getResource(db, expected.key)) ? { kind: "conflict" } : { kind: "missing" };
}

export async function deleteResource(db: Kysely<Database>, dialect: StoreDialect, key: string): Promise<DeleteResult> {
  return db.transaction().execute(async (trx): Promise<DeleteResult> => {
    let target = trx.selectFrom("resources").selectAll().where("key", "=", key);
    if (dialect.rowLocks) target = target.forUpdate();
    const row = await target.executeTakeFirst();
    if (row === undefined) return { kind: "missing" };
    const children = await trx
      .selectFrom("resources")
      .selectAll()
      .where("parent_key", "=", key)
      .orderBy("key")
      .limit(REPORTED_CHILDREN)
      .execute();
    if (children.length > 0) return { kind: "has-children", children: children.map(toResourceRecord) };
    await trx.deleteFrom("resources").where("key", "=", key).execute();
    return { kind: "deleted", record: toResourceRecord(row) };
  });
}

export async function deleteTree(db: Kysely<Database>, key: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // Repeated until a round finds nothing: a create that held a parent in the tree when a round
    // began made that round wait for its commit, and only the next round's snapshot sees its row.
    let deleted = 0;
    for (;;) {
      // The subtree is the key range (key + "/", key + "0"): "0" follows "/", and keys compare
      // byte by byte (see migrations.ts), so no LIKE pattern needs its "_" and "%" escaped.
      const result = await trx
        .deleteFrom("resources")
        .where((eb) =>
          eb.or([eb("key", "=", key), eb.and([eb("key", ">", `${key}/`), eb("key", "<", `${key}0`)])]),
        )
        .executeTakeFirst();
      const round = Number(result.numDeletedRows);
      if (round === 0) return deleted;
      deleted += round;
    }
  });
}

export async function listResources(db: Kysely<Database>, query: ListQuery): Promise<ResourceRecord[]> {
  let select = db.selectFrom("resources").selectAll().orderBy("key").limit(query.limit);
  if (query.parentKey !== undefined) select = select.where("parent_key", "=", query.parentKey);
  if (query.subscriptionId !== undefined) select = select.where("subscription_id", "=", query.subscriptionId);
  if (query.resourceGroup !== undefined) select = select.where("resource_group", "=", query.resourceGroup);
  if (query.type !== undefined) select = select.where("type", "=", query.type);
  if (query.afterKey !== undefined) select = select.where("key", ">", query.afterKey);
  return (await select.execute()).map(toResourceRecord);
}

export async function listChildNames(db: Kysely<Database>, parentKey: string, type: string): Promise<Array<{ key: string; name: string }>> {
  return db.selectFrom("resources").select(["key", "name"]).where("parent_key", "=", parentKey).where("type", "=", type).orderBy("key").execute();
}

export async function countResources(
  db: Kysely<Database>,
  subscriptionId: string,
  location: string,
): Promise<UsageCount[]> {
  const rows = await db
    .selectFrom("resources")
    .select((eb) => ["type", eb.fn.countAll<number | string | bigint>().as("count")])
    .where("subscription_id", "=", subscriptionId)
    .where("location", "=", location)
    .groupBy("type")
    .execute();
  // Sorted here rather than in SQL, where the order of text follows PostgreSQL's locale.
  return rows
    .map((row) => ({ type: row.type, count: Number(row.count) }))
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}
