// The SQLite adapter against the conformance suite, on a file and in memory.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openMetadataStore } from "../../src/store/open-store.js";
import { CREATED_AT, newId } from "./metadata-store-fixtures.js";
import { accessGenerationAcrossConnections } from "./metadata-store-access-generation.js";
import { metadataStoreConformance } from "./metadata-store.js";

const dir = mkdtempSync(join(tmpdir(), "vitrine-sqlite-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));

metadataStoreConformance("sqlite file", () => openMetadataStore(`sqlite:${join(dir, "conformance", "metadata.db")}`));
metadataStoreConformance("sqlite in memory", () => openMetadataStore("sqlite::memory:"));

describe("sqlite store", () => {
  it("keeps its data in a write-ahead-logged file across a reopen, named by a bare path", async () => {
    const path = join(dir, "reopen", "metadata.db");
    const tenant = { id: newId(), displayName: "Contoso", createdAt: CREATED_AT };
    const first = await openMetadataStore(path);
    await first.putTenant(tenant);
    assert.ok(existsSync(`${path}-wal`));
    await first.close();

    const second = await openMetadataStore(`sqlite://${path}`);
    try {
      assert.deepEqual(await second.getTenant(tenant.id), tenant);
    } finally {
      await second.close();
    }
  });

  accessGenerationAcrossConnections(() => Promise.resolve(join(dir, "two-connections", "metadata.db")));

  it("refuses a URL that names no file", async () => {
    await assert.rejects(openMetadataStore("sqlite:"), /names no file/);
  });
});
