// What /readyz checks (src/arm/routes/health.ts): the metadata store answers with its schema up to
// date, and every region store the process writes to answers a lookup.

import type { ReadinessCheck } from "./arm/routes/health.js";
import type { RegionStores } from "./blob/disk-content.js";
import type { MetadataStore } from "./ports/metadata-store.js";

/** A well-formed digest no chunk has: looking it up proves the store answers, and reads nothing. */
const PROBE_DIGEST = "0".repeat(64);

export function readinessChecks(store: MetadataStore, regionStores: RegionStores): ReadinessCheck[] {
  return [
    {
      name: "database",
      async check() {
        const pending = await store.pendingMigrations();
        if (pending.length > 0) throw new Error(`migrations not applied: ${pending.join(", ")}`);
      },
    },
    {
      name: "chunkStores",
      async check() {
        const stores = await regionStores.stores();
        await Promise.all(stores.map(({ region, target }) => (target === undefined ? regionStores.storeFor(region) : regionStores.targetStore(region, target)).has(PROBE_DIGEST)));
      },
    },
  ];
}
