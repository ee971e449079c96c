// The metadata store: everything Vitrine knows about tenants, principals, subscriptions and ARM
// resources. Two adapters (SQLite by default, PostgreSQL scaled out) implement it over one query
// layer and one set of migrations, and pass one conformance suite (test/conformance).
//
// Keys: every ARM id is kept twice, as the user cased it (`id`) and lower-cased (`key`); all
// lookups go by key, so names are case-insensitive while the user's casing is kept.

import type { RoleAssignment, RoleDefinition } from "../core/authorize.js";

export interface TenantRecord {
  id: string;
  displayName: string;
  createdAt: string;
}

export interface SubscriptionRecord {
  id: string;
  tenantId: string;
  displayName: string;
  state: "Enabled" | "Disabled";
  /** Restricted regions this subscription may use (normalised names). */
  allowedRegions: string[];
  createdAt: string;
}

export interface ServicePrincipalRecord {
  /** The application (client) id a token request names. */
  appId: string;
  /** The principal's object id in its tenant (the token's `oid`). */
  objectId: string;
  tenantId: string;
  displayName: string;
  /** scrypt hash of the client secret, `scrypt$<salt b64>$<hash b64>`. */
  secretHash: string;
  createdAt: string;
}

export interface UserRecord {
  objectId: string;
  tenantId: string;
  /** The sign-in name, e.g. alice@contoso.example; unique across the server, case-insensitive. */
  userPrincipalName: string;
  displayName: string;
  /** scrypt hash of the password, as for service principal secrets. */
  passwordHash: string;
  createdAt: string;
}

export interface GroupRecord {
  objectId: string;
  tenantId: string;
  displayName: string;
  createdAt: string;
}

export interface GroupMembership {
  groupId: string;
  memberId: string;
}

export type CreateAssignmentResult =
  | { kind: "created" }
  /** An assignment with this id exists already. */
  | { kind: "exists"; existing: RoleAssignment }
  /** The same principal has the same role at the same scope under another id. */
  | { kind: "duplicate" };

export interface ResourceRecord {
  /** The ARM id with the user's casing, e.g. /subscriptions/s/resourceGroups/RG1/providers/Microsoft.Compute/galleries/Gal1 */
  id: string;
  /** `id` lower-cased: the primary key. */
  key: string;
  subscriptionId: string;
  /** Lower-cased resource group name; empty for subscription-level resources. */
  resourceGroup: string;
  /** Canonical ARM type, e.g. Microsoft.Compute/galleries/images. */
  type: string;
  /** Key of the parent: the resource group's key for top-level resources, the parent resource's otherwise. */
  parentKey: string;
  name: string;
  /** Normalised location ("westus"); counted for quotas. */
  location: string;
  /** Lower-cased value that must be unique among the children of one parent and type (e.g. publisher/offer/sku), or null. */
  uniqueKey: string | null;
  /** The ARM JSON served for the resource (location, tags, properties, ...). */
  body: Record<string, unknown>;
  /** What Vitrine keeps about the resource but never serves (a disk's content, an upload's state). */
  internal?: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface QuotaGuard {
  /** Count resources of `type` in this subscription and location, and refuse when `limit` is reached. */
  type: string;
  limit: number;
}

export type CreateResult =
  | { kind: "created"; record: ResourceRecord }
  | { kind: "exists"; record: ResourceRecord }
  | { kind: "parent-missing" }
  | { kind: "quota-exceeded"; usage: number }
  | { kind: "unique-conflict"; existing: ResourceRecord };

export type SwapResult = { kind: "updated"; record: ResourceRecord } | { kind: "conflict" } | { kind: "missing" };

export type DeleteResult =
  | { kind: "deleted"; record: ResourceRecord }
  | { kind: "missing" }
  | { kind: "has-children"; children: ResourceRecord[] };

export interface ListQuery {
  /** Children of this key (direct children only). */
  parentKey?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  type?: string;
  /** Only resources whose key is greater than this (keyset paging). */
  afterKey?: string;
  limit: number;
}

export interface OperationRecord {
  id: string;
  subscriptionId: string;
  location: string;
  /** The resource the operation acts on. */
  resourceId: string;
  status: "InProgress" | "Succeeded" | "Failed" | "Canceled";
  startTime: string;
  endTime: string | null;
  error: { code: string; message: string; target?: string } | null;
}

export interface UsageCount {
  type: string;
  count: number;
}

export interface MetadataStore {
  /** Creates or upgrades the schema. */
  migrate(): Promise<void>;
  /** Migrations this code has that the database has not run (readiness); fails when the database does not answer. */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;

  getSetting(name: string): Promise<string | undefined>;
  /** Sets the value only if none is set; returns the value that is set afterwards (first writer wins). */
  initSetting(name: string, value: string): Promise<string>;

  /**
   * A number that every committed write to users, groups, memberships, role assignments and
   * definitions, service principals and subscriptions changes, in the write's own transaction,
   * whichever process wrote. Read it before reading those: while it is unchanged, what was read
   * is still current. Undefined when the store keeps none (then nothing may be cached by it).
   */
  accessGeneration(): Promise<number | undefined>;

  putTenant(tenant: TenantRecord): Promise<void>;
  getTenant(id: string): Promise<TenantRecord | undefined>;
  listTenants(): Promise<TenantRecord[]>;

  putSubscription(subscription: SubscriptionRecord): Promise<void>;
  getSubscription(id: string): Promise<SubscriptionRecord | undefined>;
  listSubscriptions(tenantId?: string): Promise<SubscriptionRecord[]>;

  putServicePrincipal(principal: ServicePrincipalRecord): Promise<void>;
  getServicePrincipal(tenantId: string, appId: string): Promise<ServicePrincipalRecord | undefined>;
  /** Every tenant's service principal of this app id. */
  findServicePrincipals(appId: string): Promise<ServicePrincipalRecord[]>;
  listServicePrincipals(tenantId?: string): Promise<ServicePrincipalRecord[]>;

  putUser(user: UserRecord): Promise<void>;
  getUser(objectId: string): Promise<UserRecord | undefined>;
  /** The user of this sign-in name (any casing). */
  findUser(userPrincipalName: string): Promise<UserRecord | undefined>;
  listUsers(tenantId?: string): Promise<UserRecord[]>;

  putGroup(group: GroupRecord): Promise<void>;
  getGroup(objectId: string): Promise<GroupRecord | undefined>;
  listGroups(tenantId?: string): Promise<GroupRecord[]>;
  /** Adds a member (user, service principal or group); adding one twice is not an error. */
  addGroupMember(groupId: string, memberId: string): Promise<void>;
  /** False when it was not a member. */
  removeGroupMember(groupId: string, memberId: string): Promise<boolean>;
  listGroupMembers(groupId: string): Promise<string[]>;
  /** The direct memberships of any of these members. */
  listMemberships(memberIds: readonly string[]): Promise<GroupMembership[]>;

  /** Inserts an assignment unless its id, or the same principal, role and scope, is taken. */
  createRoleAssignment(assignment: RoleAssignment): Promise<CreateAssignmentResult>;
  getRoleAssignment(id: string): Promise<RoleAssignment | undefined>;
  /** The deleted assignment, or undefined when there was none. */
  deleteRoleAssignment(id: string): Promise<RoleAssignment | undefined>;
  /**
   * Assignments held by any of `principalIds`, and/or those whose scope is the root or inside
   * `subscriptionId`; with neither, all of them.
   */
  listRoleAssignments(query: { principalIds?: readonly string[]; subscriptionId?: string }): Promise<RoleAssignment[]>;

  /** Custom role definitions; built-in ones live in code (core/authorize.ts). */
  putRoleDefinition(role: RoleDefinition): Promise<void>;
  getRoleDefinition(name: string): Promise<RoleDefinition | undefined>;
  deleteRoleDefinition(name: string): Promise<boolean>;
  listRoleDefinitions(): Promise<RoleDefinition[]>;

  getResource(key: string): Promise<ResourceRecord | undefined>;
  /**
   * Inserts `record` atomically with its guards: the parent (`record.parentKey`) must exist unless
   * it is a subscription (`/subscriptions/{id}`), the quota must not be reached, `uniqueKey` must be
   * free among the parent's children of the same type, and `key` must be free (else "exists").
   * Concurrent creates that race on a guard: exactly one wins.
   */
  createResource(record: ResourceRecord, quota?: QuotaGuard): Promise<CreateResult>;
  /** Replaces body, location and updatedAt of an existing record; returns undefined if it is gone. */
  updateResource(record: ResourceRecord): Promise<ResourceRecord | undefined>;
  /**
   * Replaces body, location, internal and updatedAt with `next`'s only if the stored record is
   * still `expected` (as read): "conflict" when another writer changed it since, so that the
   * caller reads it again and reapplies its change.
   */
  swapResource(expected: ResourceRecord, next: ResourceRecord): Promise<SwapResult>;
  /** Deletes one resource; refuses while it has children, atomically with concurrent creates of children. */
  deleteResource(key: string): Promise<DeleteResult>;
  /** Deletes a resource and everything under it (a resource group's delete); returns how many rows went. */
  deleteTree(key: string): Promise<number>;
  listResources(query: ListQuery): Promise<ResourceRecord[]>;
  /** Keys and names of every child of one type: what picking one child by name needs (latest), without the bodies. */
  listChildNames(parentKey: string, type: string): Promise<Array<{ key: string; name: string }>>;
  /** Resources per type in one subscription and location. */
  countResources(subscriptionId: string, location: string): Promise<UsageCount[]>;

  putOperation(operation: OperationRecord): Promise<void>;
  getOperation(id: string): Promise<OperationRecord | undefined>;
  /** Operations still InProgress: at start, the work a stop cut short. */
  listRunningOperations(): Promise<OperationRecord[]>;

  /**
   * Claims the lease `name` for `owner` until `expiresAt` (ISO 8601) if it is free, has expired
   * at `now`, or is `owner`'s already; false while another owner holds it. Atomic across
   * processes: of concurrent claims, one wins.
   */
  claimLease(name: string, owner: string, now: string, expiresAt: string): Promise<boolean>;
  /** Extends `owner`'s lease; false when `owner` no longer holds it. */
  renewLease(name: string, owner: string, expiresAt: string): Promise<boolean>;
  /** Ends `owner`'s lease (nothing when another holds it). */
  releaseLease(name: string, owner: string): Promise<void>;
}
