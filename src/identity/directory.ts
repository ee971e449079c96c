// The directory: tenants, subscriptions, service principals, users and groups, their secrets, and
// the default set created on first start. Secrets and passwords are kept only as scrypt hashes.

import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { errors } from "../core/errors.js";
import { normalizeLocation, findRegion } from "../core/regions.js";
import { OWNER_ROLE } from "../core/authorize.js";
import { findDirectoryObject, withGroups, type DirectoryObject } from "../core/services/access.js";
import type { Ids } from "../ports/ids.js";
import type { Clock } from "../ports/clock.js";
import type { GroupRecord, MetadataStore, ServicePrincipalRecord, SubscriptionRecord, TenantRecord, UserRecord } from "../ports/metadata-store.js";

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, 32);
  return `scrypt$${salt.toString("base64")}$${hash.toString("base64")}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await scrypt(secret, Buffer.from(salt, "base64"), expected.length);
  return timingSafeEqual(actual, expected);
}

/**
 * A client secret in the style Entra ID issues: 40 URL-safe characters. It never starts with
 * "-", which command lines (az login -p) would take for an option.
 */
export const newSecret = (): string => {
  const secret = randomBytes(30).toString("base64url");
  return secret.startsWith("-") ? `V${secret.slice(1)}` : secret;
};

export interface CreatedPrincipal {
  principal: ServicePrincipalRecord;
  secret: string;
}

export interface BootstrapResult {
  tenant: TenantRecord;
  subscription: SubscriptionRecord;
  admin: ServicePrincipalRecord;
  /** The admin secret, only when it was created by this call. */
  adminSecret?: string;
}

export class Directory {
  constructor(private readonly deps: { store: MetadataStore; ids: Ids; clock: Clock }) {}

  async createTenant(displayName: string): Promise<TenantRecord> {
    const tenant = { id: this.deps.ids.uuid(), displayName, createdAt: this.now() };
    await this.deps.store.putTenant(tenant);
    return tenant;
  }

  async createSubscription(tenantId: string, displayName: string): Promise<SubscriptionRecord> {
    await this.requireTenant(tenantId);
    const subscription: SubscriptionRecord = {
      id: this.deps.ids.uuid(),
      tenantId,
      displayName,
      state: "Enabled",
      allowedRegions: [],
      createdAt: this.now(),
    };
    await this.deps.store.putSubscription(subscription);
    return subscription;
  }

  async createServicePrincipal(tenantId: string, displayName: string): Promise<CreatedPrincipal> {
    await this.requireTenant(tenantId);
    const secret = newSecret();
    const principal: ServicePrincipalRecord = {
      appId: this.deps.ids.uuid(),
      objectId: this.deps.ids.uuid(),
      tenantId,
      displayName,
      secretHash: await hashSecret(secret),
      createdAt: this.now(),
    };
    await this.deps.store.putServicePrincipal(principal);
    return { principal, secret };
  }

  /**
   * Issues a new secret for an application (the old one stops working). The secret belongs to the
   * app registration, so the app's service principals in other tenants take it too.
   */
  async resetSecret(tenantId: string, appId: string): Promise<CreatedPrincipal> {
    const principal = await this.deps.store.getServicePrincipal(tenantId, appId);
    if (!principal) throw errors.principalNotFound(appId, tenantId);
    const secret = newSecret();
    const secretHash = await hashSecret(secret);
    for (const each of await this.deps.store.findServicePrincipals(principal.appId)) await this.deps.store.putServicePrincipal({ ...each, secretHash });
    return { principal: { ...principal, secretHash }, secret };
  }

  /**
   * A multi-tenant application consented to in another tenant: a service principal of the same
   * app (same appId and secret) with its own object id in `tenantId`. Tokens for that tenant then
   * name that principal, and role assignments there are given to it.
   */
  async consent(appId: string, tenantId: string): Promise<ServicePrincipalRecord> {
    await this.requireTenant(tenantId);
    const principals = await this.deps.store.findServicePrincipals(appId.toLowerCase());
    const home = principals[0];
    if (!home) throw errors.principalNotFound(appId, "any tenant");
    const existing = principals.find((p) => p.tenantId === tenantId);
    if (existing) return existing;
    const principal = { ...home, objectId: this.deps.ids.uuid(), tenantId, createdAt: this.now() };
    await this.deps.store.putServicePrincipal(principal);
    return principal;
  }

  /** A user who signs in with a name and password; the password is generated when none is given. */
  async createUser(tenantId: string, userPrincipalName: string, displayName: string, password?: string): Promise<{ user: UserRecord; password: string }> {
    await this.requireTenant(tenantId);
    if (await this.deps.store.findUser(userPrincipalName)) throw errors.userNameTaken(userPrincipalName);
    const chosen = password ?? newSecret();
    const user: UserRecord = { objectId: this.deps.ids.uuid(), tenantId, userPrincipalName: userPrincipalName.toLowerCase(), displayName, passwordHash: await hashSecret(chosen), createdAt: this.now() };
    await this.deps.store.putUser(user);
    return { user, password: chosen };
  }

  async createGroup(tenantId: string, displayName: string): Promise<GroupRecord> {
    await this.requireTenant(tenantId);
    const group: GroupRecord = { objectId: this.deps.ids.uuid(), tenantId, displayName, createdAt: this.now() };
    await this.deps.store.putGroup(group);
    return group;
  }

  /** Adds a user, service principal or group to a group; a group may not end up inside itself. */
  async addMember(groupId: string, memberId: string): Promise<void> {
    const { store } = this.deps;
    const group = await store.getGroup(groupId.toLowerCase());
    if (!group) throw errors.directoryObjectNotFound(groupId);
    const member = memberId.toLowerCase();
    if (!(await findDirectoryObject(store, member))) throw errors.directoryObjectNotFound(memberId);
    if (await this.isWithin(group.objectId, member)) throw errors.groupCycle(group.objectId, member);
    await store.addGroupMember(group.objectId, member);
  }

  async removeMember(groupId: string, memberId: string): Promise<boolean> {
    return this.deps.store.removeGroupMember(groupId.toLowerCase(), memberId.toLowerCase());
  }

  /** The groups an object is in, directly or through nested groups. */
  async groupsOf(objectId: string): Promise<string[]> {
    const ids = await withGroups(objectId, (frontier) => this.deps.store.listMemberships(frontier));
    ids.delete(objectId.toLowerCase());
    return [...ids].sort();
  }

  /** Checks a user's password; `tenant` as for `authenticate`. */
  async authenticateUser(tenant: string | undefined, userPrincipalName: string, password: string): Promise<UserRecord | undefined> {
    const user = await this.deps.store.findUser(userPrincipalName);
    if (!user || (tenant !== undefined && user.tenantId !== tenant.toLowerCase())) return undefined;
    return (await verifySecret(password, user.passwordHash)) ? user : undefined;
  }

  listUsers(tenantId?: string): Promise<UserRecord[]> {
    return this.deps.store.listUsers(tenantId);
  }

  listGroups(tenantId?: string): Promise<GroupRecord[]> {
    return this.deps.store.listGroups(tenantId);
  }

  listMembers(groupId: string): Promise<string[]> {
    return this.deps.store.listGroupMembers(groupId.toLowerCase());
  }

  /** Adding `member` to `groupId` makes a cycle when the member is the group itself or a group the group is already in. */
  private async isWithin(groupId: string, member: string): Promise<boolean> {
    return (await withGroups(groupId, (frontier) => this.deps.store.listMemberships(frontier))).has(member);
  }

  async allowRegion(subscriptionId: string, region: string): Promise<SubscriptionRecord> {
    const subscription = await this.deps.store.getSubscription(subscriptionId);
    if (!subscription) throw errors.subscriptionNotFound(subscriptionId);
    const found = findRegion(region);
    if (!found) throw errors.unknownRegion(region);
    const allowedRegions = [...new Set([...subscription.allowedRegions, normalizeLocation(found.name)])];
    const updated = { ...subscription, allowedRegions };
    await this.deps.store.putSubscription(updated);
    return updated;
  }

  /**
   * Checks client credentials. `tenant` is the tenant named by the token URL (a GUID), or undefined
   * for `/adfs` and other tenant-less authorities, in which case the app's home principal is used.
   */
  async authenticate(tenant: string | undefined, appId: string, secret: string): Promise<ServicePrincipalRecord | undefined> {
    const candidates = tenant
      ? [await this.deps.store.getServicePrincipal(tenant.toLowerCase(), appId.toLowerCase())]
      : await this.deps.store.findServicePrincipals(appId.toLowerCase());
    for (const principal of candidates) {
      if (principal && (await verifySecret(secret, principal.secretHash))) return principal;
    }
    return undefined;
  }

  /**
   * First start: a default tenant, subscription and admin principal. Idempotent and safe when
   * several servers start at once on one database: the ids are claimed through `initSetting`.
   */
  async bootstrap(): Promise<BootstrapResult> {
    const { store } = this.deps;
    const tenantId = await store.initSetting("default-tenant", this.deps.ids.uuid());
    const tenant = (await store.getTenant(tenantId)) ?? { id: tenantId, displayName: "Default Directory", createdAt: this.now() };
    await store.putTenant(tenant);

    const subscriptionId = await store.initSetting("default-subscription", this.deps.ids.uuid());
    let subscription = await store.getSubscription(subscriptionId);
    if (!subscription) {
      subscription = { id: subscriptionId, tenantId, displayName: "Vitrine Default", state: "Enabled", allowedRegions: [], createdAt: this.now() };
      await store.putSubscription(subscription);
    }

    const adminAppId = await store.initSetting("admin-app-id", this.deps.ids.uuid());
    const existing = await store.getServicePrincipal(tenantId, adminAppId);
    if (existing) {
      await this.ensureRootOwner(existing);
      return { tenant, subscription, admin: existing };
    }
    const secret = newSecret();
    const admin: ServicePrincipalRecord = {
      appId: adminAppId,
      objectId: this.deps.ids.uuid(),
      tenantId,
      displayName: "vitrine-admin",
      secretHash: await hashSecret(secret),
      createdAt: this.now(),
    };
    await store.putServicePrincipal(admin);
    await this.ensureRootOwner(admin);
    return { tenant, subscription, admin, adminSecret: secret };
  }

  /**
   * The administrator is Owner at the root scope: of every subscription of every tenant, as a
   * global administrator who elevated access is in Azure. Data dirs from before role-based access
   * get the assignment at their next start.
   */
  private async ensureRootOwner(admin: ServicePrincipalRecord): Promise<void> {
    await this.ownerAt("/", { objectId: admin.objectId, tenantId: admin.tenantId, type: "ServicePrincipal" }, "The server's administrator (created at first start).");
  }

  /** Makes a user or service principal Owner of a scope (a new subscription's first owner). */
  async assignOwner(scope: string, objectId: string): Promise<void> {
    const owner = await findDirectoryObject(this.deps.store, objectId);
    if (!owner) throw errors.directoryObjectNotFound(objectId);
    await this.ownerAt(scope, owner, "The subscription's first owner.");
  }

  private async ownerAt(scope: string, owner: Pick<DirectoryObject, "objectId" | "tenantId" | "type">, description: string): Promise<void> {
    const name = this.deps.ids.uuid();
    await this.deps.store.createRoleAssignment({
      id: `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      scope,
      roleDefinitionName: OWNER_ROLE,
      principalId: owner.objectId,
      principalType: owner.type,
      principalTenantId: owner.tenantId,
      description,
      createdOn: this.now(),
      createdBy: owner.objectId,
    });
  }

  /** The server's administrator: the admin principal created at first start. */
  async isAdministrator(tenantId: string, appId: string): Promise<boolean> {
    const { store } = this.deps;
    return (await store.getSetting("default-tenant")) === tenantId && (await store.getSetting("admin-app-id")) === appId;
  }

  listTenants(): Promise<TenantRecord[]> {
    return this.deps.store.listTenants();
  }

  listSubscriptions(tenantId?: string): Promise<SubscriptionRecord[]> {
    return this.deps.store.listSubscriptions(tenantId);
  }

  listServicePrincipals(tenantId?: string): Promise<ServicePrincipalRecord[]> {
    return this.deps.store.listServicePrincipals(tenantId);
  }

  private async requireTenant(tenantId: string): Promise<void> {
    if (!(await this.deps.store.getTenant(tenantId))) throw errors.tenantNotFound(tenantId);
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}
