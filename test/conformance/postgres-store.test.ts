// The PostgreSQL adapter against the conformance suite, in a database of its own made for the run
// on the machine's server (VITRINE_TEST_PG_URL names another server) and dropped afterwards.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { openMetadataStore } from "../../src/store/open-store.js";
import { temporaryDatabases } from "../support/postgres.js";
import { CREATED_AT, newId } from "./metadata-store-fixtures.js";
import { accessGenerationAcrossConnections } from "./metadata-store-access-generation.js";
import { metadataStoreConformance } from "./metadata-store.js";

const databases = temporaryDatabases();
const createDatabase = () => databases.create();
after(() => databases.dropAll());

let shared: Promise<string> | undefined;
const sharedDatabase = () => (shared ??= createDatabase());

metadataStoreConformance("postgres", async () => openMetadataStore(await sharedDatabase()));
// The same database opened again, as a restarted or second Vitrine process would: migrate finds the schema in place.
metadataStoreConformance("postgres, second process", async () => openMetadataStore(await sharedDatabase()));

describe("postgres store", () => {
  accessGenerationAcrossConnections(sharedDatabase);

  it("migrates one new database from several processes at once", async () => {
    const url = await createDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => openMetadataStore(url)));
    try {
      const tenant = { id: newId(), displayName: "Contoso", createdAt: CREATED_AT };
      await stores[0]?.putTenant(tenant);
      for (const store of stores) assert.deepEqual(await store.getTenant(tenant.id), tenant);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
