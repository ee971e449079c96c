// The Azure Blob chunk store against the conformance suite, on Azurite (test/support/azurite.ts):
// with the account key, and with a container SAS.

import { after, before } from "node:test";
import { ContainerSASPermissions, generateBlobSASQueryParameters } from "@azure/storage-blob";
import { AzureBlobChunkStore } from "../../src/blob/drivers/azure-blob-chunk-store.js";
import { Secret } from "../../src/blob/drivers/secret.js";
import type { ChunkStore } from "../../src/ports/chunk-store.js";
import { DEV_ACCOUNT_KEY, startAzurite, type Azurite } from "../support/azurite.js";
import { chunkStoreConformance } from "./chunk-store.js";

let azurite: Azurite;
before(async () => (azurite = await startAzurite()));
after(() => azurite.stop());

let containers = 0;
const containerOf = new Map<ChunkStore, string>();
function track(store: AzureBlobChunkStore, container: string): AzureBlobChunkStore {
  containerOf.set(store, container);
  return store;
}
const withKey = (container = `chunks-${++containers}`) => track(new AzureBlobChunkStore({ accountUrl: azurite.accountUrl, container, accountKey: new Secret(DEV_ACCOUNT_KEY) }), container);

/** A store that holds a SAS of its container only, as a deployment that may not hold the account key would. */
async function withSas(): Promise<AzureBlobChunkStore> {
  const container = `sas-chunks-${++containers}`;
  await azurite.createContainer(container);
  const sas = generateBlobSASQueryParameters(
    { containerName: container, permissions: ContainerSASPermissions.parse("racwdl"), expiresOn: new Date(Date.now() + 3_600_000) },
    azurite.credential,
  ).toString();
  return track(new AzureBlobChunkStore({ accountUrl: azurite.accountUrl, container, sas: new Secret(sas) }), container);
}

const hooks = {
  async corrupt(store: ChunkStore, digest: string) {
    const blob = azurite.service.getContainerClient(containerOf.get(store) ?? "").getBlockBlobClient(digest);
    const data = await blob.downloadToBuffer();
    data[0] = (data[0] ?? 0) ^ 0xff;
    await blob.uploadData(data);
  },
  // Azurite has no way to set a blob's Last-Modified: the refresh cases are skipped here.
};

chunkStoreConformance("azure-blob (Azurite, account key)", async () => withKey(), {
  ...hooks,
  async refused() {
    const store = withKey();
    await store.put("0".repeat(64), Buffer.alloc(0), { verified: true });
    return track(new AzureBlobChunkStore({ accountUrl: azurite.accountUrl, container: containerOf.get(store) ?? "", accountKey: new Secret(Buffer.from("not-the-key").toString("base64")) }), containerOf.get(store) ?? "");
  },
});

chunkStoreConformance("azure-blob (Azurite, SAS)", withSas, {
  ...hooks,
  async refused() {
    const store = await withSas();
    const expired = generateBlobSASQueryParameters(
      { containerName: containerOf.get(store) ?? "", permissions: ContainerSASPermissions.parse("racwdl"), startsOn: new Date(Date.now() - 7_200_000), expiresOn: new Date(Date.now() - 3_600_000) },
      azurite.credential,
    ).toString();
    return track(new AzureBlobChunkStore({ accountUrl: azurite.accountUrl, container: containerOf.get(store) ?? "", sas: new Secret(expired) }), containerOf.get(store) ?? "");
  },
});
