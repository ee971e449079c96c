// The PostgreSQL adapter against the conformance suite, in a database of its own made for the run
// on the machine's server (VITRINE_TEST_PG_URL names another server) and dropped afterwards.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import pg from "pg";
import { openMetadataStore } from "../../src/store/open-store.js";
import { CREATED_AT, newId } from "./metadata-store-fixtures.js";
import { metadataStoreConformance } from "./metadata-store.js";

const serverUrl = process.env.VITRINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/";
const databases: string[] = [];

function databaseUrl(database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: databaseUrl("postgres") });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * A new, empty database, collated en-US by ICU where the server can, so that its text order
 * differs from byte order as on many production servers.
 */
async function createDatabase(): Promise<string> {
  const name = `vitrine_test_${randomBytes(6).toString("hex")}`;
  await withAdmin(async (admin) => {
    try {
      await admin.query(`create database ${name} template template0 locale_provider icu icu_locale 'en-US'`);
    } catch {
      await admin.query(`create database ${name}`);
    }
  });
  databases.push(name);
  return databaseUrl(name);
}

after(async () => {
  await withAdmin(async (admin) => {
    for (const name of databases) await admin.query(`drop database if exists ${name} with (force)`);
  });
});

let shared: Promise<string> | undefined;
const sharedDatabase = () => (shared ??= createDatabase());

metadataStoreConformance("postgres", async () => openMetadataStore(await sharedDatabase()));
// The same database opened again, as a restarted or second Vitrine process would: migrate finds the schema in place.
metadataStoreConformance("postgres, second process", async () => openMetadataStore(await sharedDatabase()));

describe("postgres store", () => {
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
