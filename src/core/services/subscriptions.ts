// Subscriptions as a caller sees them: those of its own tenant it holds a role in (a role at the
// root scope reaches them all), and those of other tenants where it was given a role: a principal
// of tenant B shared a gallery of tenant A works there with its own tenant's token.

import { errors } from "../errors.js";
import { GUID } from "../validate.js";
import type { MetadataStore, SubscriptionRecord } from "../../ports/metadata-store.js";
import type { Authorizer } from "./access.js";
import { GenerationCache } from "./generation-cache.js";


export interface Caller {
  tenantId: string;
  objectId: string;
  appId: string;
  /** The token's issuer, quoted in wrong-tenant errors. */
  issuer: string;
}

export class Subscriptions {
  /** By id, kept with the access generation the request's Authorizer read (a subscription write raises it). */
  private readonly byId = new GenerationCache<SubscriptionRecord | undefined>();

  constructor(private readonly deps: { store: MetadataStore }) {}

  async list(authorizer: Authorizer): Promise<SubscriptionRecord[]> {
    const reached = authorizer.subscriptionsReached();
    const own = reached.has("") ? await this.deps.store.listSubscriptions(authorizer.caller.tenantId) : [];
    const granted = await Promise.all([...reached].filter((id) => id !== "").map((id) => this.deps.store.getSubscription(id)));
    const byId = new Map([...own, ...granted.filter((s) => s !== undefined)].map((s) => [s.id, s]));
    return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The subscription named in a request path, if the caller may address it. */
  async require(authorizer: Authorizer, id: string): Promise<SubscriptionRecord> {
    if (!GUID.test(id)) throw errors.invalidSubscriptionId(id);
    const key = id.toLowerCase();
    const subscription = await this.byId.get(authorizer.generation, key, () => this.deps.store.getSubscription(key));
    if (!subscription) throw errors.subscriptionNotFound(id);
    const { caller } = authorizer;
    // A role in that subscription, or at the root scope (the server's administrator), reaches across tenants.
    const reached = authorizer.subscriptionsReached();
    const crossTenantGrant = reached.has(subscription.id) || reached.has("");
    if (subscription.tenantId !== caller.tenantId && !crossTenantGrant) throw errors.wrongTokenTenant(caller.issuer, subscription.tenantId);
    return subscription;
  }
}

export function renderSubscription(subscription: SubscriptionRecord): Record<string, unknown> {
  return {
    id: `/subscriptions/${subscription.id}`,
    subscriptionId: subscription.id,
    tenantId: subscription.tenantId,
    displayName: subscription.displayName,
    state: subscription.state,
    subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "Vitrine_2026-01-01", spendingLimit: "Off" },
    authorizationSource: "RoleBased",
  };
}
