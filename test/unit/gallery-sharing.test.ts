// A shared gallery is found by its unique name among the galleries of the subscription the name
// begins with, not by reading every gallery of every subscription.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_LIMITS } from "../../src/core/limits.js";
import { GallerySharing } from "../../src/core/services/gallery-sharing.js";
import { TrackedResources } from "../../src/core/services/tracked-resources.js";
import type { ListQuery, MetadataStore, ResourceRecord, SubscriptionRecord } from "../../src/ports/metadata-store.js";
import { openMetadataStore } from "../../src/store/open-store.js";
import { gallery, newId, resourceGroup } from "../conformance/metadata-store-fixtures.js";

const subscriptionRecord = (id: string): SubscriptionRecord => ({ id, tenantId: newId(), displayName: "s", state: "Enabled", allowedRegions: [], createdAt: new Date().toISOString() });

/** A gallery named `name` in a new subscription, shared directly with `sharedWith`. */
function sharedGallery(name: string, sharedWith: string): ResourceRecord {
  const subscriptionId = newId();
  const made = gallery(resourceGroup(subscriptionId, "rg"), name);
  const properties = { identifier: { uniqueName: `${subscriptionId}-${name.toUpperCase()}` }, sharingProfile: { permissions: "Groups", groups: [{ type: "Subscriptions", ids: [sharedWith] }] } };
  return { ...made, body: { location: made.location, properties } };
}

describe("gallery sharing", () => {
  let store: MetadataStore;
  before(async () => {
    store = await openMetadataStore("sqlite::memory:");
  });
  after(() => store.close());

  it("finds a gallery by its unique name in its own subscription only", async () => {
    const consumer = subscriptionRecord(newId());
    const galleries = [sharedGallery("common", consumer.id), sharedGallery("common", consumer.id), sharedGallery("other", consumer.id)];
    for (const made of galleries) {
      await store.createResource(resourceGroup(made.subscriptionId, "rg"));
      await store.createResource(made);
    }
    const lists: ListQuery[] = [];
    const watched: MetadataStore = Object.create(store, {
      listResources: {
        value: (query: ListQuery) => {
          lists.push(query);
          return store.listResources(query);
        },
      },
    });
    const sharing = new GallerySharing({ resources: new TrackedResources({ store: watched, clock: { now: () => new Date() }, limits: DEFAULT_LIMITS }) });

    const second = galleries[1] as ResourceRecord;
    const found = await sharing.gallery(consumer, `${second.subscriptionId}-COMMON`, "westus");
    assert.equal(found.id, second.id, "the gallery of the subscription the name names, not the first of that name");
    assert.deepEqual(
      lists.map((query) => query.subscriptionId),
      [second.subscriptionId.toLowerCase()],
      "only that subscription's galleries are read",
    );

    await assert.rejects(sharing.gallery(consumer, "COMMON", "westus"), { code: "ResourceNotFound" }, "a name without a subscription names nothing");
    await assert.rejects(sharing.gallery(subscriptionRecord(newId()), `${second.subscriptionId}-COMMON`, "westus"), { code: "ResourceNotFound" }, "not shared with that subscription");
  });
});
