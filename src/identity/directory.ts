// The directory: tenants, subscriptions and service principals, their secrets, and the default
// set created on first start. Secrets are kept only as scrypt hashes.

import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { errors } from "../core/errors.js";
import { normalizeLocation, findRegion } from "../core/regions.js";
import type { Ids } from "../ports/ids.js";
import type { Clock } from "../ports/clock.js";
import type { MetadataStore, ServicePrincipalRecord, SubscriptionRecord, TenantRecord } from "../ports/metadata-store.js";

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

  /** Issues a new secret for an existing principal (the old one stops working). */
  async resetSecret(tenantId: string, appId: string): Promise<CreatedPrincipal> {
    const principal = await this.deps.store.getServicePrincipal(tenantId, appId);
    if (!principal) throw errors.principalNotFound(appId, tenantId);
    const secret = newSecret();
    const updated = { ...principal, secretHash: await hashSecret(secret) };
    await this.deps.store.putServicePrincipal(updated);
    return { principal: updated, secret };
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
    if (existing) return { tenant, subscription, admin: existing };
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
    return { tenant, subscription, admin, adminSecret: secret };
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
