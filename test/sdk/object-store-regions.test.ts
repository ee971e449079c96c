// Regions whose storage targets are object stores, through @azure/arm-compute: West US and Central
// US on Azure Blob Storage (Azurite), East US on S3 (s3rver). A version created in West US is
// replicated to the other two (Azure to Azure by the service's own copy, Azure to S3 streamed),
// each replica is whole in its container or bucket, nothing lands in the data directory's
// targets, and a disk made FromImage in each region reads back byte for byte.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BlobClient } from "@azure/storage-blob";
import { AzureBlobChunkStore } from "../../src/blob/drivers/azure-blob-chunk-store.js";
import { S3ChunkStore } from "../../src/blob/drivers/s3-chunk-store.js";
import { Secret } from "../../src/blob/drivers/secret.js";
import { readRange } from "../../src/blob/export.js";
import { decodeManifest } from "../../src/blob/manifest.js";
import type { ChunkStore } from "../../src/ports/chunk-store.js";
import { raw as rawRequest, sdkClients } from "../support/clients.js";
import { startAzurite, DEV_ACCOUNT_KEY, type Azurite } from "../support/azurite.js";
import { packBytesUnder } from "../support/pack-store.js";
import { makeDefinition, uploadedDisk } from "../support/gallery-fixtures.js";
import { contentDigestOf, convertImage, makeRawImage, makeTempDir, qemuSkip } from "../support/images.js";
import { startS3Server, S3RVER_KEY, type S3Server } from "../support/s3-server.js";
import { startTestServer, type TestServer } from "../support/server.js";

const RG = "rg-object-stores";
const MIB = 1024 * 1024;

describe("regions on Azure Blob Storage and S3", { skip: qemuSkip }, () => {
  let azurite: Azurite;
  let s3: S3Server;
  let server: TestServer;
  let clients: ReturnType<typeof sdkClients>;
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;
  let raw: Buffer;
  let definitionId: string;

  const blobTarget = (container: string) => ({ id: "blob", zone: 1, class: "standard", driver: "azure-blob", accountUrl: azurite.accountUrl, container, accountKey: DEV_ACCOUNT_KEY });
  const stores = (): Record<string, ChunkStore> => ({
    westus: new AzureBlobChunkStore({ accountUrl: azurite.accountUrl, container: "westus-blob", accountKey: new Secret(DEV_ACCOUNT_KEY) }),
    centralus: new AzureBlobChunkStore({ accountUrl: azurite.accountUrl, container: "centralus-blob", accountKey: new Secret(DEV_ACCOUNT_KEY) }),
    eastus: new S3ChunkStore(s3.settings("eastus-s3")),
  });

  async function settled(version: string): Promise<{ aggregatedState: string; summary: Array<{ region: string; state: string; details?: string }> }> {
    for (let attempt = 0; attempt < 600; attempt++) {
      const response = await rawRequest(server.connection, "GET", `${definitionId}/versions/${version}?api-version=2024-03-03&$expand=ReplicationStatus`);
      const status = (response.body as { properties: { replicationStatus: { aggregatedState: string; summary: Array<{ region: string; state: string }> } } }).properties.replicationStatus;
      if (status.aggregatedState !== "InProgress") return status;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`version ${version} is still replicating`);
  }

  before(async () => {
    [azurite, s3] = await Promise.all([startAzurite(), startS3Server()]);
    server = await startTestServer({
      regionStorage: {
        westus: { targets: [blobTarget("westus-blob")] },
        centralus: { targets: [blobTarget("centralus-blob")] },
        eastus: {
          targets: [{ id: "s3", zone: 1, class: "standard", driver: "s3", endpoint: s3.endpoint, bucket: "eastus-s3", region: "us-east-1", accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY }],
        },
      },
    });
    clients = sdkClients(server.connection);
    scratch = await makeTempDir();
    definitionId = await makeDefinition(clients, RG);
    const rawPath = await makeRawImage(scratch.dir, "disk.raw", { sizeBytes: 24 * MIB, blocks: [{ offset: 0, bytes: 0x5a, length: 2 * MIB }, { offset: 7 * MIB, bytes: Buffer.from("on object stores") }] });
    raw = readFileSync(rawPath);
  });
  after(async () => {
    await server?.close();
    await Promise.all([azurite?.stop(), s3?.stop(), scratch?.remove()]);
  });

  it("replicates a version to each region's object store and deploys it byte for byte in every region", async () => {
    const diskId = await uploadedDisk(clients, RG, "source", readFileSync(await convertImage(join(scratch.dir, "disk.raw"), "vpc-fixed")));
    const version = await clients.compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, "g", "d", "1.0.0", {
      location: "westus",
      storageProfile: { osDiskImage: { source: { id: diskId } } },
      publishingProfile: { targetRegions: [{ name: "westus" }, { name: "centralus" }, { name: "eastus" }] },
    });
    assert.equal(version.provisioningState, "Succeeded");
    const status = await settled("1.0.0");
    assert.equal(status.aggregatedState, "Completed", JSON.stringify(status.summary));

    const manifestDigest = contentDigestOf(raw).replace(/^sha256:/, "");
    for (const [region, store] of Object.entries(stores())) {
      const manifest = decodeManifest(await store.get(manifestDigest));
      assert.ok((await readRange(manifest, store, 0, manifest.size)).equals(raw), `the replica in ${region} (${store.name})`);
      const targets = join(server.dataDir, "regions", region, "targets");
      assert.equal(existsSync(targets) ? packBytesUnder(targets) : 0, 0, `nothing of ${region}'s replica in the data directory`);
    }

    for (const region of ["westus", "centralus", "eastus"]) {
      const name = `deployed-${region}`;
      await clients.compute.disks.beginCreateOrUpdateAndWait(RG, name, { location: region, creationData: { createOption: "FromImage", galleryImageReference: { id: `${definitionId}/versions/1.0.0` } } });
      const access = await clients.compute.disks.beginGrantAccessAndWait(RG, name, { access: "Read", durationInSeconds: 600 });
      const vhd = await new BlobClient(access.accessSAS ?? "").downloadToBuffer();
      await clients.compute.disks.beginRevokeAccessAndWait(RG, name);
      assert.ok(vhd.subarray(0, vhd.length - 512).equals(raw), `the disk deployed in ${region}`);
    }
  });
});
