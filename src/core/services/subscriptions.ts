// Subscriptions as a caller sees them: those of the caller's tenant.

import { errors } from "../errors.js";
import type { MetadataStore, SubscriptionRecord } from "../../ports/metadata-store.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Caller {
  tenantId: string;
  objectId: string;
  appId: string;
  /** The token's issuer, quoted in wrong-tenant errors. */
  issuer: string;
}

export class Subscriptions {
  constructor(private readonly deps: { store: MetadataStore }) {}

  list(caller: Caller): Promise<SubscriptionRecord[]> {
    return this.deps.store.listSubscriptions(caller.tenantId);
  }

  /** The subscription named in a request path, if the caller may address it. */
  async require(caller: Caller, id: string): Promise<SubscriptionRecord> {
    if (!GUID.test(id)) throw errors.invalidSubscriptionId(id);
    const subscription = await this.deps.store.getSubscription(id.toLowerCase());
    if (!subscription) throw errors.subscriptionNotFound(id);
    if (subscription.tenantId !== caller.tenantId) throw errors.wrongTokenTenant(caller.issuer, subscription.tenantId);
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
