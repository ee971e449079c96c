// Writes of one resource in one process run one after another: a background save (a replica's
// progress, a disk's state) and a client's PATCH that land together both take effect.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_LIMITS } from "../../src/core/limits.js";
import { galleryKind } from "../../src/core/resource-kinds.js";
import { TrackedResources } from "../../src/core/services/tracked-resources.js";
import type { MetadataStore, SubscriptionRecord } from "../../src/ports/metadata-store.js";
import { openMetadataStore } from "../../src/store/open-store.js";
import { gallery, newId, resourceGroup } from "../conformance/metadata-store-fixtures.js";

describe("tracked resources", () => {
  let store: MetadataStore;
  before(async () => {
    store = await openMetadataStore("sqlite::memory:");
  });
  after(() => store.close());

  it("runs a client's PATCH after a background change of the same resource, so neither undoes the other", async () => {
    const subscriptionId = newId();
    const group = resourceGroup(subscriptionId, "rg");
    const created = gallery(group, "g");
    await store.createResource(group);
    await store.createResource({ ...created, body: { location: "westus", properties: { description: "before" } } });
    // The background change's write is slow: without serialization the PATCH would read the
    // record before it and write back the old internal data after it (or the reverse).
    let delayed = false;
    const slowStore: MetadataStore = Object.create(store, {
      updateResource: {
        value: async (...args: Parameters<MetadataStore["updateResource"]>) => {
          if (!delayed) {
            delayed = true;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          return store.updateResource(...args);
        },
      },
    });
    const resources = new TrackedResources({ store: slowStore, clock: { now: () => new Date() }, limits: DEFAULT_LIMITS });
    const subscription: SubscriptionRecord = { id: subscriptionId, tenantId: newId(), displayName: "s", state: "Enabled", allowedRegions: [], createdAt: new Date().toISOString() };
    const background = resources.modify(created.id, (current) => ({ ...current, internal: { progress: 42 } }));
    const client = resources.patch({ subscription, resourceGroup: "rg", kind: galleryKind, names: ["g"] }, { properties: { description: "after" } });
    await Promise.all([background, client]);
    const final = await store.getResource(created.key);
    assert.deepEqual(final?.internal, { progress: 42 }, "the background change is kept");
    assert.equal((final?.body.properties as { description?: string }).description, "after", "the client's change is kept");
  });
});
