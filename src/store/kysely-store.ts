// The MetadataStore over one Kysely query layer; what differs between SQLite and PostgreSQL comes
// in as a StoreDialect.

import { Migrator, type Kysely } from "kysely";
import type { RoleAssignment, RoleDefinition } from "../core/authorize.js";
import type {
  CreateAssignmentResult,
  CreateResult,
  DeleteResult,
  GroupMembership,
  GroupRecord,
  ListQuery,
  MetadataStore,
  OperationRecord,
  QuotaGuard,
  ResourceRecord,
  ServicePrincipalRecord,
  SwapResult,
  SubscriptionRecord,
  TenantRecord,
  UsageCount,
  UserRecord,
} from "../ports/metadata-store.js";
import type { Database } from "./database.js";
import * as access from "./access-queries.js";
import { accessGeneration } from "./access-generation.js";
import * as directory from "./directory-queries.js";
import * as leases from "./lease-queries.js";
import { migrationProvider } from "./migrations.js";
import * as resources from "./resource-queries.js";
import type { StoreDialect } from "./store-dialect.js";

export class KyselyMetadataStore implements MetadataStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async migrate(): Promise<void> {
    const { error } = await this.migrator().migrateToLatest();
    if (error !== undefined) throw error;
  }

  async pendingMigrations(): Promise<string[]> {
    return (await this.migrator().getMigrations()).filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
  }

  private migrator(): Migrator {
    return new Migrator({ db: this.db, provider: migrationProvider(this.dialect.name) });
  }

  close(): Promise<void> {
    return this.db.destroy();
  }

  getSetting(name: string): Promise<string | undefined> {
    return directory.getSetting(this.db, name);
  }

  initSetting(name: string, value: string): Promise<string> {
    return directory.initSetting(this.db, name, value);
  }

  accessGeneration(): Promise<number | undefined> {
    return accessGeneration(this.db);
  }

  putTenant(tenant: TenantRecord): Promise<void> {
    return directory.putTenant(this.db, tenant);
  }

  getTenant(id: string): Promise<TenantRecord | undefined> {
    return directory.getTenant(this.db, id);
  }

  listTenants(): Promise<TenantRecord[]> {
    return directory.listTenants(this.db);
  }

  putSubscription(subscription: SubscriptionRecord): Promise<void> {
    return directory.putSubscription(this.db, subscription);
  }

  getSubscription(id: string): Promise<SubscriptionRecord | undefined> {
    return directory.getSubscription(this.db, id);
  }

  listSubscriptions(tenantId?: string): Promise<SubscriptionRecord[]> {
    return directory.listSubscriptions(this.db, tenantId);
  }

  putServicePrincipal(principal: ServicePrincipalRecord): Promise<void> {
    return directory.putServicePrincipal(this.db, principal);
  }

  getServicePrincipal(tenantId: string, appId: string): Promise<ServicePrincipalRecord | undefined> {
    return directory.getServicePrincipal(this.db, tenantId, appId);
  }

  findServicePrincipals(appId: string): Promise<ServicePrincipalRecord[]> {
    return directory.findServicePrincipals(this.db, appId);
  }

  listServicePrincipals(tenantId?: string): Promise<ServicePrincipalRecord[]> {
    return directory.listServicePrincipals(this.db, tenantId);
  }

  putUser(user: UserRecord): Promise<void> {
    return access.putUser(this.db, user);
  }

  getUser(objectId: string): Promise<UserRecord | undefined> {
    return access.getUser(this.db, objectId);
  }

  findUser(userPrincipalName: string): Promise<UserRecord | undefined> {
    return access.findUser(this.db, userPrincipalName);
  }

  listUsers(tenantId?: string): Promise<UserRecord[]> {
    return access.listUsers(this.db, tenantId);
  }

  putGroup(group: GroupRecord): Promise<void> {
    return access.putGroup(this.db, group);
  }

  getGroup(objectId: string): Promise<GroupRecord | undefined> {
    return access.getGroup(this.db, objectId);
  }

  listGroups(tenantId?: string): Promise<GroupRecord[]> {
    return access.listGroups(this.db, tenantId);
  }

  addGroupMember(groupId: string, memberId: string): Promise<void> {
    return access.addGroupMember(this.db, groupId, memberId);
  }

  removeGroupMember(groupId: string, memberId: string): Promise<boolean> {
    return access.removeGroupMember(this.db, groupId, memberId);
  }

  listGroupMembers(groupId: string): Promise<string[]> {
    return access.listGroupMembers(this.db, groupId);
  }

  listMemberships(memberIds: readonly string[]): Promise<GroupMembership[]> {
    return access.listMemberships(this.db, memberIds);
  }

  createRoleAssignment(assignment: RoleAssignment): Promise<CreateAssignmentResult> {
    return access.createRoleAssignment(this.db, assignment);
  }

  getRoleAssignment(id: string): Promise<RoleAssignment | undefined> {
    return access.getRoleAssignment(this.db, id);
  }

  deleteRoleAssignment(id: string): Promise<RoleAssignment | undefined> {
    return access.deleteRoleAssignment(this.db, id);
  }

  listRoleAssignments(query: { principalIds?: readonly string[]; subscriptionId?: string }): Promise<RoleAssignment[]> {
    return access.listRoleAssignments(this.db, query);
  }

  putRoleDefinition(role: RoleDefinition): Promise<void> {
    return access.putRoleDefinition(this.db, role);
  }

  getRoleDefinition(name: string): Promise<RoleDefinition | undefined> {
    return access.getRoleDefinition(this.db, name);
  }

  deleteRoleDefinition(name: string): Promise<boolean> {
    return access.deleteRoleDefinition(this.db, name);
  }

  listRoleDefinitions(): Promise<RoleDefinition[]> {
    return access.listRoleDefinitions(this.db);
  }

  getResource(key: string): Promise<ResourceRecord | undefined> {
    return resources.getResource(this.db, key);
  }

  createResource(record: ResourceRecord, quota?: QuotaGuard): Promise<CreateResult> {
    return resources.createResource(this.db, this.dialect, record, quota);
  }

  updateResource(record: ResourceRecord): Promise<ResourceRecord | undefined> {
    return resources.updateResource(this.db, record);
  }

  swapResource(expected: ResourceRecord, next: ResourceRecord): Promise<SwapResult> {
    return resources.swapResource(this.db, expected, next);
  }

  deleteResource(key: string): Promise<DeleteResult> {
    return resources.deleteResource(this.db, this.dialect, key);
  }

  deleteTree(key: string): Promise<number> {
    return resources.deleteTree(this.db, key);
  }

  listResources(query: ListQuery): Promise<ResourceRecord[]> {
    return resources.listResources(this.db, query);
  }

  listChildNames(parentKey: string, type: string): Promise<Array<{ key: string; name: string }>> {
    return resources.listChildNames(this.db, parentKey, type);
  }

  countResources(subscriptionId: string, location: string): Promise<UsageCount[]> {
    return resources.countResources(this.db, subscriptionId, location);
  }

  putOperation(operation: OperationRecord): Promise<void> {
    return directory.putOperation(this.db, operation);
  }

  getOperation(id: string): Promise<OperationRecord | undefined> {
    return directory.getOperation(this.db, id);
  }

  listRunningOperations(): Promise<OperationRecord[]> {
    return directory.listRunningOperations(this.db);
  }

  claimLease(name: string, owner: string, now: string, expiresAt: string): Promise<boolean> {
    return leases.claimLease(this.db, name, owner, now, expiresAt);
  }

  renewLease(name: string, owner: string, expiresAt: string): Promise<boolean> {
    return leases.renewLease(this.db, name, owner, expiresAt);
  }

  releaseLease(name: string, owner: string): Promise<void> {
    return leases.releaseLease(this.db, name, owner);
  }
}
