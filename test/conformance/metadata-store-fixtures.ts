// Records for the metadata store conformance suite. Every case works in subscriptions and tenants
// of its own (random ids), so the cases need no fresh database and cannot see each other's rows.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { RoleDefinition } from "../../src/core/authorize.js";
import type { MetadataStore, QuotaGuard, ResourceRecord } from "../../src/ports/metadata-store.js";

/** Hands the cases the store opened for the suite. */
export type StoreAccess = () => MetadataStore;

export const CREATED_AT = "2024-05-01T10:00:00.000Z";

export const RESOURCE_GROUPS = "Microsoft.Resources/resourceGroups";
export const GALLERIES = "Microsoft.Compute/galleries";
export const IMAGES = "Microsoft.Compute/galleries/images";
export const VERSIONS = "Microsoft.Compute/galleries/images/versions";

export function newId(): string {
  return randomUUID();
}

/** A new custom role that may read galleries, assignable at `scope`. */
export function customRole(scope: string): RoleDefinition {
  return {
    name: newId(),
    roleName: `custom-${newId()}`,
    description: "d",
    type: "CustomRole",
    permissions: [{ actions: ["Microsoft.Compute/galleries/read"], notActions: [], dataActions: [], notDataActions: [] }],
    assignableScopes: [scope],
  };
}

export function subscriptionKey(subscriptionId: string): string {
  return `/subscriptions/${subscriptionId}`;
}

export function resourceGroup(subscriptionId: string, name: string, location = "westus"): ResourceRecord {
  return record({
    id: `/subscriptions/${subscriptionId}/resourceGroups/${name}`,
    subscriptionId,
    resourceGroup: name.toLowerCase(),
    type: RESOURCE_GROUPS,
    parentKey: subscriptionKey(subscriptionId),
    name,
    location,
  });
}

export function gallery(group: ResourceRecord, name: string, location = group.location): ResourceRecord {
  return record({
    id: `${group.id}/providers/Microsoft.Compute/galleries/${name}`,
    subscriptionId: group.subscriptionId,
    resourceGroup: group.resourceGroup,
    type: GALLERIES,
    parentKey: group.key,
    name,
    location,
  });
}

export function imageDefinition(parent: ResourceRecord, name: string, uniqueKey: string | null = null): ResourceRecord {
  return record({
    id: `${parent.id}/images/${name}`,
    subscriptionId: parent.subscriptionId,
    resourceGroup: parent.resourceGroup,
    type: IMAGES,
    parentKey: parent.key,
    name,
    location: parent.location,
    uniqueKey,
  });
}

export function imageVersion(parent: ResourceRecord, name: string): ResourceRecord {
  return record({
    id: `${parent.id}/versions/${name}`,
    subscriptionId: parent.subscriptionId,
    resourceGroup: parent.resourceGroup,
    type: VERSIONS,
    parentKey: parent.key,
    name,
    location: parent.location,
  });
}

interface RecordFields {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  type: string;
  parentKey: string;
  name: string;
  location: string;
  uniqueKey?: string | null;
}

function record(fields: RecordFields): ResourceRecord {
  return {
    ...fields,
    key: fields.id.toLowerCase(),
    uniqueKey: fields.uniqueKey ?? null,
    body: { location: fields.location, tags: { owner: "conformance" }, properties: { name: fields.name } },
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
  };
}

/** Keys in byte order, the order the store lists them in. */
export function byteOrder(keys: string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Creates `record`, failing the case unless the store reports it created. */
export async function mustCreate(
  store: MetadataStore,
  record: ResourceRecord,
  quota?: QuotaGuard,
): Promise<ResourceRecord> {
  const result = await store.createResource(record, quota);
  assert.equal(result.kind, "created", `create ${record.id}: ${JSON.stringify(result)}`);
  return record;
}
