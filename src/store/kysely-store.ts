// The MetadataStore over one Kysely query layer; what differs between SQLite and PostgreSQL comes
// in as a StoreDialect.

import { Migrator, type Kysely } from "kysely";
import type {
  CreateResult,
  DeleteResult,
  ListQuery,
  MetadataStore,
  OperationRecord,
  QuotaGuard,
  ResourceRecord,
  ServicePrincipalRecord,
  SubscriptionRecord,
  TenantRecord,
  UsageCount,
} from "../ports/metadata-store.js";
import type { Database } from "./database.js";
import * as directory from "./directory-queries.js";
import { migrationProvider } from "./migrations.js";
import * as resources from "./resource-queries.js";
import type { StoreDialect } from "./store-dialect.js";

export class KyselyMetadataStore implements MetadataStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider(this.dialect.name) });
    const { error } = await migrator.migrateToLatest();
    if (error !== undefined) throw error;
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

  getResource(key: string): Promise<ResourceRecord | undefined> {
    return resources.getResource(this.db, key);
  }

  createResource(record: ResourceRecord, quota?: QuotaGuard): Promise<CreateResult> {
    return resources.createResource(this.db, this.dialect, record, quota);
  }

  updateResource(record: ResourceRecord): Promise<ResourceRecord | undefined> {
    return resources.updateResource(this.db, record);
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
}
