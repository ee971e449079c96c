// The conformance suite every MetadataStore adapter passes: `metadataStoreConformance` registers
// its node:test cases; an adapter's *.test.ts calls it with a way to open a migrated store.

import assert from "node:assert/strict";
import { after, before, describe } from "node:test";
import type { MetadataStore } from "../../src/ports/metadata-store.js";
import { accessCases } from "./metadata-store-access.js";
import { accessGenerationCases } from "./metadata-store-access-generation.js";
import { concurrencyCases } from "./metadata-store-concurrency.js";
import { directoryCases } from "./metadata-store-directory.js";
import type { StoreAccess } from "./metadata-store-fixtures.js";
import { leaseCases } from "./metadata-store-leases.js";
import { resourceCases } from "./metadata-store-resources.js";

export function metadataStoreConformance(name: string, open: () => Promise<MetadataStore>): void {
  describe(`MetadataStore conformance: ${name}`, () => {
    let store: MetadataStore | undefined;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
    });
    const access: StoreAccess = () => {
      assert.ok(store, "the store is open");
      return store;
    };
    directoryCases(access);
    accessCases(access);
    accessGenerationCases(access);
    resourceCases(access);
    concurrencyCases(access);
    leaseCases(access);
  });
}
