// Opens the metadata store a URL names, with its schema brought up to date.

import type { MetadataStore } from "../ports/metadata-store.js";
import type { KyselyMetadataStore } from "./kysely-store.js";
import { openPostgresStore } from "./postgres-store.js";
import { openSqliteStore } from "./sqlite-store.js";

/**
 * `url` is `postgres://...` or `postgresql://...`; `sqlite:<path>`, `sqlite://<absolute path>`,
 * `sqlite::memory:`; or a bare file path, taken as SQLite.
 */
export async function openMetadataStore(url: string): Promise<MetadataStore> {
  const store = openByUrl(url);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function openByUrl(url: string): KyselyMetadataStore {
  if (/^postgres(ql)?:\/\//i.test(url)) return openPostgresStore(url);
  if (!/^sqlite:/i.test(url)) return openSqliteStore(url);
  const rest = url.slice("sqlite:".length);
  const path = rest.startsWith("//") ? rest.slice(2) : rest;
  if (path === "") throw new Error(`metadata store URL ${url} names no file`);
  return openSqliteStore(path);
}
