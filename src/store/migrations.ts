// The schema, as in-code Kysely migrations shared by SQLite and PostgreSQL. Migrations are
// forward-only: a release adds a migration, it never edits or reverts a published one.

import { sql, type Kysely, type Migration, type MigrationProvider } from "kysely";

export type SchemaDialect = "sqlite" | "postgres";

/** Constraint names the adapters map driver errors by. */
export const RESOURCES_PRIMARY_KEY = "resources_pkey";
export const RESOURCES_UNIQUE_KEY = "resources_unique_key";

export function migrationProvider(dialect: SchemaDialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    "0001-initial": { up: (db) => initial(db, dialect) },
    "0002-resource-internal": { up: addResourceInternal },
    "0003-access": { up: addAccess },
    "0004-leases": { up: addLeases },
    "0005-access-generation": { up: addAccessGeneration },
  };
  return { getMigrations: async () => migrations };
}

/** What Vitrine keeps about a resource without serving it (a disk's manifest, an upload's state). */
async function addResourceInternal(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("resources").addColumn("internal", "text").execute();
}

/**
 * Leases: who does a piece of background work (an operation, a replica's copy) until when, so
 * that processes sharing the database never do it twice and take it over when its holder dies.
 * Expiry is ISO 8601 text, which sorts as time does.
 */
async function addLeases(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("leases")
    .addColumn("name", "text", (col) => col.primaryKey())
    .addColumn("owner", "text", (col) => col.notNull())
    .addColumn("expires_at", "text", (col) => col.notNull())
    .execute();
}

/**
 * One counter that every write to what authorization reads (users, groups, memberships, role
 * assignments and definitions, service principals, subscriptions) raises in its own transaction:
 * a cache of those, kept while the counter stays where it was read, is never stale, whichever
 * process wrote.
 */
async function addAccessGeneration(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("access_generation")
    .addColumn("id", "integer", (col) => col.primaryKey())
    .addColumn("generation", "bigint", (col) => col.notNull())
    .execute();
  await sql`insert into access_generation (id, generation) values (1, 0)`.execute(db);
}

/** Users and groups of the directory, role definitions and role assignments. */
async function addAccess(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("object_id", "text", (col) => col.primaryKey())
    .addColumn("tenant_id", "text", (col) => col.notNull())
    .addColumn("user_principal_name", "text", (col) => col.notNull().unique())
    .addColumn("display_name", "text", (col) => col.notNull())
    .addColumn("password_hash", "text", (col) => col.notNull())
    .addColumn("created_at", "text", (col) => col.notNull())
    .execute();
  await db.schema
    .createTable("groups")
    .addColumn("object_id", "text", (col) => col.primaryKey())
    .addColumn("tenant_id", "text", (col) => col.notNull())
    .addColumn("display_name", "text", (col) => col.notNull())
    .addColumn("created_at", "text", (col) => col.notNull())
    .execute();
  await db.schema
    .createTable("group_members")
    .addColumn("group_id", "text", (col) => col.notNull())
    .addColumn("member_id", "text", (col) => col.notNull())
    .addPrimaryKeyConstraint("group_members_pkey", ["group_id", "member_id"])
    .execute();
  await db.schema.createIndex("group_members_member").on("group_members").column("member_id").execute();
  await db.schema
    .createTable("role_assignments")
    .addColumn("key", "text", (col) => col.primaryKey())
    .addColumn("scope_key", "text", (col) => col.notNull())
    .addColumn("subscription_id", "text", (col) => col.notNull())
    .addColumn("principal_id", "text", (col) => col.notNull())
    .addColumn("role_definition_name", "text", (col) => col.notNull())
    .addColumn("body", "text", (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex("role_assignments_unique")
    .on("role_assignments")
    .columns(["scope_key", "principal_id", "role_definition_name"])
    .unique()
    .execute();
  await db.schema.createIndex("role_assignments_principal").on("role_assignments").column("principal_id").execute();
  await db.schema.createIndex("role_assignments_subscription").on("role_assignments").column("subscription_id").execute();
  await db.schema
    .createTable("role_definitions")
    .addColumn("name", "text", (col) => col.primaryKey())
    .addColumn("body", "text", (col) => col.notNull())
    .execute();
}

async function initial(db: Kysely<unknown>, dialect: SchemaDialect): Promise<void> {
  // Resource keys must sort byte by byte: listing pages by key and a subtree is the key range
  // (k + "/", k + "0"). SQLite's text does; PostgreSQL's follows the database's locale, where
  // en-US sorts "rg1_c" < "rg1-b" < "rg1/a" < "rg10", unless the column says otherwise.
  const keyType = dialect === "postgres" ? sql`text collate "C"` : sql`text`;

  await db.schema
    .createTable("settings")
    .addColumn("name", "text", (col) => col.primaryKey())
    .addColumn("value", "text", (col) => col.notNull())
    .execute();

  await db.schema
    .createTable("tenants")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("display_name", "text", (col) => col.notNull())
    .addColumn("created_at", "text", (col) => col.notNull())
    .execute();

  await db.schema
    .createTable("subscriptions")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("tenant_id", "text", (col) => col.notNull())
    .addColumn("display_name", "text", (col) => col.notNull())
    .addColumn("state", "text", (col) => col.notNull())
    .addColumn("allowed_regions", "text", (col) => col.notNull())
    .addColumn("created_at", "text", (col) => col.notNull())
    .execute();
  await db.schema.createIndex("subscriptions_tenant").on("subscriptions").column("tenant_id").execute();

  await db.schema
    .createTable("service_principals")
    .addColumn("tenant_id", "text", (col) => col.notNull())
    .addColumn("app_id", "text", (col) => col.notNull())
    .addColumn("object_id", "text", (col) => col.notNull())
    .addColumn("display_name", "text", (col) => col.notNull())
    .addColumn("secret_hash", "text", (col) => col.notNull())
    .addColumn("created_at", "text", (col) => col.notNull())
    .addPrimaryKeyConstraint("service_principals_pkey", ["tenant_id", "app_id"])
    .execute();
  await db.schema.createIndex("service_principals_app").on("service_principals").column("app_id").execute();

  await db.schema
    .createTable("resources")
    .addColumn("key", keyType, (col) => col.notNull())
    .addColumn("id", "text", (col) => col.notNull())
    .addColumn("subscription_id", "text", (col) => col.notNull())
    .addColumn("resource_group", "text", (col) => col.notNull())
    .addColumn("type", "text", (col) => col.notNull())
    .addColumn("parent_key", "text", (col) => col.notNull())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("location", "text", (col) => col.notNull())
    .addColumn("unique_key", "text")
    .addColumn("body", "text", (col) => col.notNull())
    .addColumn("created_at", "text", (col) => col.notNull())
    .addColumn("updated_at", "text", (col) => col.notNull())
    .addPrimaryKeyConstraint(RESOURCES_PRIMARY_KEY, ["key"])
    .execute();
  await db.schema.createIndex("resources_parent").on("resources").columns(["parent_key", "type"]).execute();
  await db.schema
    .createIndex("resources_quota")
    .on("resources")
    .columns(["subscription_id", "location", "type"])
    .execute();
  await db.schema
    .createIndex("resources_group")
    .on("resources")
    .columns(["subscription_id", "resource_group"])
    .execute();
  await db.schema
    .createIndex(RESOURCES_UNIQUE_KEY)
    .on("resources")
    .columns(["parent_key", "type", "unique_key"])
    .unique()
    .where(sql.ref("unique_key"), "is not", null)
    .execute();

  await db.schema
    .createTable("operations")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("subscription_id", "text", (col) => col.notNull())
    .addColumn("location", "text", (col) => col.notNull())
    .addColumn("resource_id", "text", (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull())
    .addColumn("start_time", "text", (col) => col.notNull())
    .addColumn("end_time", "text")
    .addColumn("error", "text")
    .execute();
}
