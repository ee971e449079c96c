// Rows <-> the port's records: the one place where columns get their names and JSON columns are
// (de)serialised. Rows are trusted as our own writes, so the narrowing casts do not re-validate.

import type { Insertable, Selectable, Updateable } from "kysely";
import type {
  OperationRecord,
  ResourceRecord,
  ServicePrincipalRecord,
  SubscriptionRecord,
  TenantRecord,
} from "../ports/metadata-store.js";
import type {
  OperationsTable,
  ResourcesTable,
  ServicePrincipalsTable,
  SubscriptionsTable,
  TenantsTable,
} from "./database.js";

export function toTenantRow(tenant: TenantRecord): Insertable<TenantsTable> {
  return { id: tenant.id, display_name: tenant.displayName, created_at: tenant.createdAt };
}

export function toTenantRecord(row: Selectable<TenantsTable>): TenantRecord {
  return { id: row.id, displayName: row.display_name, createdAt: row.created_at };
}

export function toSubscriptionRow(subscription: SubscriptionRecord): Insertable<SubscriptionsTable> {
  return {
    id: subscription.id,
    tenant_id: subscription.tenantId,
    display_name: subscription.displayName,
    state: subscription.state,
    allowed_regions: JSON.stringify(subscription.allowedRegions),
    created_at: subscription.createdAt,
  };
}

export function toSubscriptionRecord(row: Selectable<SubscriptionsTable>): SubscriptionRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    displayName: row.display_name,
    state: row.state as SubscriptionRecord["state"],
    allowedRegions: JSON.parse(row.allowed_regions) as string[],
    createdAt: row.created_at,
  };
}

export function toServicePrincipalRow(principal: ServicePrincipalRecord): Insertable<ServicePrincipalsTable> {
  return {
    tenant_id: principal.tenantId,
    app_id: principal.appId,
    object_id: principal.objectId,
    display_name: principal.displayName,
    secret_hash: principal.secretHash,
    created_at: principal.createdAt,
  };
}

export function toServicePrincipalRecord(row: Selectable<ServicePrincipalsTable>): ServicePrincipalRecord {
  return {
    appId: row.app_id,
    objectId: row.object_id,
    tenantId: row.tenant_id,
    displayName: row.display_name,
    secretHash: row.secret_hash,
    createdAt: row.created_at,
  };
}

export function toResourceRow(resource: ResourceRecord): Insertable<ResourcesTable> {
  return {
    key: resource.key,
    id: resource.id,
    subscription_id: resource.subscriptionId,
    resource_group: resource.resourceGroup,
    type: resource.type,
    parent_key: resource.parentKey,
    name: resource.name,
    location: resource.location,
    unique_key: resource.uniqueKey,
    body: JSON.stringify(resource.body),
    internal: resource.internal === undefined ? null : JSON.stringify(resource.internal),
    created_at: resource.createdAt,
    updated_at: resource.updatedAt,
  };
}

export function toResourceRecord(row: Selectable<ResourcesTable>): ResourceRecord {
  return {
    id: row.id,
    key: row.key,
    subscriptionId: row.subscription_id,
    resourceGroup: row.resource_group,
    type: row.type,
    parentKey: row.parent_key,
    name: row.name,
    location: row.location,
    uniqueKey: row.unique_key,
    body: JSON.parse(row.body) as Record<string, unknown>,
    ...(row.internal !== null && { internal: JSON.parse(row.internal) as Record<string, unknown> }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toOperationRow(operation: OperationRecord): Insertable<OperationsTable> {
  return {
    id: operation.id,
    subscription_id: operation.subscriptionId,
    location: operation.location,
    resource_id: operation.resourceId,
    status: operation.status,
    start_time: operation.startTime,
    end_time: operation.endTime,
    error: operation.error === null ? null : JSON.stringify(operation.error),
  };
}

export function toOperationRecord(row: Selectable<OperationsTable>): OperationRecord {
  return {
    id: row.id,
    subscriptionId: row.subscription_id,
    location: row.location,
    resourceId: row.resource_id,
    status: row.status as OperationRecord["status"],
    startTime: row.start_time,
    endTime: row.end_time,
    error: row.error === null ? null : (JSON.parse(row.error) as OperationRecord["error"]),
  };
}

/** The columns `updateResource` replaces. */
export function toResourceUpdate(resource: ResourceRecord): Updateable<ResourcesTable> {
  return {
    body: JSON.stringify(resource.body),
    internal: resource.internal === undefined ? null : JSON.stringify(resource.internal),
    location: resource.location,
    updated_at: resource.updatedAt,
  };
}
