// Settings, tenants, subscriptions, service principals and operations: plain keyed rows, written
// as upserts (the record as given replaces what was stored).

import type { Kysely } from "kysely";
import type {
  OperationRecord,
  ServicePrincipalRecord,
  SubscriptionRecord,
  TenantRecord,
} from "../ports/metadata-store.js";
import { accessWrite } from "./access-generation.js";
import type { Database } from "./database.js";
import {
  toOperationRecord,
  toOperationRow,
  toServicePrincipalRecord,
  toServicePrincipalRow,
  toSubscriptionRecord,
  toSubscriptionRow,
  toTenantRecord,
  toTenantRow,
} from "./records.js";

export async function getSetting(db: Kysely<Database>, name: string): Promise<string | undefined> {
  const row = await db.selectFrom("settings").select("value").where("name", "=", name).executeTakeFirst();
  return row?.value;
}

export async function initSetting(db: Kysely<Database>, name: string, value: string): Promise<string> {
  await db
    .insertInto("settings")
    .values({ name, value })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const stored = await getSetting(db, name);
  if (stored === undefined) throw new Error(`setting ${name} vanished right after it was set`);
  return stored;
}

export async function putTenant(db: Kysely<Database>, tenant: TenantRecord): Promise<void> {
  const row = toTenantRow(tenant);
  await db
    .insertInto("tenants")
    .values(row)
    .onConflict((oc) => oc.column("id").doUpdateSet(row))
    .execute();
}

export async function getTenant(db: Kysely<Database>, id: string): Promise<TenantRecord | undefined> {
  const row = await db.selectFrom("tenants").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toTenantRecord(row);
}

export async function listTenants(db: Kysely<Database>): Promise<TenantRecord[]> {
  const rows = await db.selectFrom("tenants").selectAll().orderBy("id").execute();
  return rows.map(toTenantRecord);
}

/** Authorization reads subscriptions (a request's subscription and its tenant): a write raises the access generation. */
export function putSubscription(db: Kysely<Database>, subscription: SubscriptionRecord): Promise<void> {
  const row = toSubscriptionRow(subscription);
  return accessWrite(db, async (trx) => {
    await trx
      .insertInto("subscriptions")
      .values(row)
      .onConflict((oc) => oc.column("id").doUpdateSet(row))
      .execute();
  });
}

export async function getSubscription(db: Kysely<Database>, id: string): Promise<SubscriptionRecord | undefined> {
  const row = await db.selectFrom("subscriptions").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toSubscriptionRecord(row);
}

export async function listSubscriptions(db: Kysely<Database>, tenantId?: string): Promise<SubscriptionRecord[]> {
  let query = db.selectFrom("subscriptions").selectAll().orderBy("id");
  if (tenantId !== undefined) query = query.where("tenant_id", "=", tenantId);
  return (await query.execute()).map(toSubscriptionRecord);
}

export function putServicePrincipal(db: Kysely<Database>, principal: ServicePrincipalRecord): Promise<void> {
  const row = toServicePrincipalRow(principal);
  return accessWrite(db, async (trx) => {
    await trx
      .insertInto("service_principals")
      .values(row)
      .onConflict((oc) => oc.columns(["tenant_id", "app_id"]).doUpdateSet(row))
      .execute();
  });
}

export async function getServicePrincipal(
  db: Kysely<Database>,
  tenantId: string,
  appId: string,
): Promise<ServicePrincipalRecord | undefined> {
  const row = await db
    .selectFrom("service_principals")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("app_id", "=", appId)
    .executeTakeFirst();
  return row && toServicePrincipalRecord(row);
}

export async function findServicePrincipals(db: Kysely<Database>, appId: string): Promise<ServicePrincipalRecord[]> {
  const rows = await db
    .selectFrom("service_principals")
    .selectAll()
    .where("app_id", "=", appId)
    .orderBy("tenant_id")
    .execute();
  return rows.map(toServicePrincipalRecord);
}

export async function listServicePrincipals(
  db: Kysely<Database>,
  tenantId?: string,
): Promise<ServicePrincipalRecord[]> {
  let query = db.selectFrom("service_principals").selectAll().orderBy("tenant_id").orderBy("app_id");
  if (tenantId !== undefined) query = query.where("tenant_id", "=", tenantId);
  return (await query.execute()).map(toServicePrincipalRecord);
}

export async function putOperation(db: Kysely<Database>, operation: OperationRecord): Promise<void> {
  const row = toOperationRow(operation);
  await db
    .insertInto("operations")
    .values(row)
    .onConflict((oc) => oc.column("id").doUpdateSet(row))
    .execute();
}

export async function listRunningOperations(db: Kysely<Database>): Promise<OperationRecord[]> {
  const rows = await db.selectFrom("operations").selectAll().where("status", "=", "InProgress").orderBy("start_time").execute();
  return rows.map(toOperationRecord);
}

export async function getOperation(db: Kysely<Database>, id: string): Promise<OperationRecord | undefined> {
  const row = await db.selectFrom("operations").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toOperationRecord(row);
}
