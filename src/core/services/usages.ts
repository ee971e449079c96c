// The usage API: resources counted per subscription and location against the limits.

import { usagesFor, type Limits, type Usage } from "../limits.js";
import type { MetadataStore, SubscriptionRecord } from "../../ports/metadata-store.js";

export class Usages {
  constructor(private readonly deps: { store: MetadataStore; limits: Limits }) {}

  async list(subscription: SubscriptionRecord, location: string): Promise<Usage[]> {
    const counts = await this.deps.store.countResources(subscription.id.toLowerCase(), location);
    return usagesFor(this.deps.limits, new Map(counts.map((c) => [c.type.toLowerCase(), c.count])));
  }
}
