// Disks imported from Azure Blob Storage, the way Azure users bring their images: the image is
// uploaded to a storage account (Azurite here) with @azure/storage-blob, a read SAS URL is made for
// it, and @azure/arm-compute creates a disk with createOption Import from that URL. The disk is
// exported again and must hold the original bytes; bad URLs and a damaged image are refused. An
// image version takes the same URL as its source.uri.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { BlobClient } from "@azure/storage-blob";
import { startAzurite, type Azurite } from "../support/azurite.js";
import { raw as rawRequest, sdkClients } from "../support/clients.js";
import { refusalOf, type Refusal } from "../support/disk-upload.js";
import { contentDigestOf, convertImage, copyImage, cutImage, makeSampleRaw, makeTempDir, MIB, qemuSkip, type ConvertFormat } from "../support/images.js";
import { startTestServer, type TestServer } from "../support/server.js";

const RG = "rg-azurite-import";
const LOCATION = "westus";
const CONTAINER = "images";
const HOUR = 3_600_000;
/** Azure wants the storage account of an imported blob named; Vitrine reads the URL alone. */
const STORAGE_ACCOUNT_ID = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/devstoreaccount1`;

/** The images, by the blob they are uploaded as: VHDs as page blobs, the qcow2 as a block blob. */
const IMAGES: { format: ConvertFormat; blob: string }[] = [
  { format: "vpc-fixed", blob: "fixed.vhd" },
  { format: "vpc-dynamic", blob: "dynamic.vhd" },
  { format: "qcow2", blob: "disk.qcow2" },
];

// The tests touch separate disks and blobs, and each mostly waits on the server's 1-second
// Retry-After between polls of its operation: run together, they take the time of the slowest.
describe("disks imported from Azure Blob Storage (Azurite)", { skip: qemuSkip, concurrency: true }, () => {
  let server: TestServer | undefined;
  let azurite: Azurite | undefined;
  let scratch: Awaited<ReturnType<typeof makeTempDir>> | undefined;
  let clients: ReturnType<typeof sdkClients>;
  let raw: Buffer;
  let dynamicVhd: string;

  const sasFor = (blob: string, expiresOn = new Date(Date.now() + HOUR)) => (azurite as Azurite).readSasUrl(CONTAINER, blob, expiresOn);
  const importDisk = (name: string, sourceUri: string) =>
    clients.compute.disks.beginCreateOrUpdateAndWait(RG, name, {
      location: LOCATION,
      creationData: { createOption: "Import", sourceUri, storageAccountId: STORAGE_ACCOUNT_ID },
    });

  /** Asserts that importing `sourceUri` fails with `code` and a message matching `message`, and leaves a Failed disk. */
  async function assertImportRefused(name: string, sourceUri: string, code: string, message: RegExp): Promise<Refusal> {
    const refusal = await refusalOf(importDisk(name, sourceUri));
    assert.equal(refusal.code, code, refusal.message);
    assert.match(refusal.message, message);
    const signature = new URL(sourceUri).searchParams.get("sig");
    if (signature) assert.ok(!refusal.message.includes(signature), "the SAS signature, a secret, is not echoed");
    assert.equal((await clients.compute.disks.get(RG, name)).provisioningState, "Failed");
    return refusal;
  }

  before(async () => {
    // Started together; each is kept as soon as it runs so that after() stops it even if the other failed.
    const started = await Promise.allSettled([
      startTestServer().then((s) => (server = s)),
      startAzurite().then((a) => (azurite = a)),
      makeTempDir("vitrine-azurite-import-").then((d) => (scratch = d)),
    ]);
    for (const result of started) if (result.status === "rejected") throw result.reason;
    const blobs = azurite as Azurite;
    clients = sdkClients((server as TestServer).connection);
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });

    const rawPath = await makeSampleRaw((scratch as { dir: string }).dir);
    raw = await readFile(rawPath);
    await blobs.createContainer(CONTAINER);
    for (const { format, blob } of IMAGES) {
      const image = await convertImage(rawPath, format);
      if (format === "vpc-dynamic") dynamicVhd = image;
      await blobs.uploadFile(CONTAINER, blob, image);
    }
  });
  after(async () => {
    await Promise.allSettled([
      server?.close().then(() => rm((server as TestServer).dataDir, { recursive: true, force: true })),
      azurite?.stop(),
      scratch?.remove(),
    ]);
  });

  for (const { format, blob } of IMAGES) {
    it(`imports a ${format} image from a SAS URL and exports the same bytes`, async () => {
      const name = `imported-${format}`;
      const disk = await importDisk(name, sasFor(blob));
      assert.equal(disk.provisioningState, "Succeeded");
      assert.equal(disk.diskState, "Unattached");
      assert.equal(disk.diskSizeBytes, raw.length, "the virtual size, not the size of the file");

      const shown = await rawRequest((server as TestServer).connection, "GET", `${disk.id}?api-version=2025-01-02`);
      const properties = (shown.body as { properties: Record<string, unknown> }).properties;
      assert.equal(properties.contentDigest, contentDigestOf(raw), "the digest a client computes from the original raw disk");

      const access = await clients.compute.disks.beginGrantAccessAndWait(RG, name, { access: "Read", durationInSeconds: 600 });
      try {
        const downloaded = await new BlobClient(access.accessSAS ?? "").downloadToBuffer();
        assert.equal(downloaded.length, raw.length + 512, "the disk, then a VHD footer");
        assert.ok(downloaded.subarray(0, raw.length).equals(raw), "the disk's bytes are the original's");
        assert.equal(downloaded.toString("latin1", raw.length, raw.length + 8), "conectix");
      } finally {
        await clients.compute.disks.beginRevokeAccessAndWait(RG, name);
      }
    });
  }

  it("creates an image version from a VHD in the storage account (source.uri) and deploys it byte for byte", async () => {
    const connection = (server as TestServer).connection;
    await clients.compute.galleries.beginCreateOrUpdateAndWait(RG, "fromblob", { location: LOCATION });
    await clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "fromblob", "linux", {
      location: LOCATION,
      osType: "Linux",
      osState: "Generalized",
      identifier: { publisher: "Contoso", offer: "Blob", sku: "Vhd" },
    });
    const version = await clients.compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, "fromblob", "linux", "1.0.0", {
      location: LOCATION,
      storageProfile: { osDiskImage: { source: { uri: sasFor("dynamic.vhd"), storageAccountId: STORAGE_ACCOUNT_ID } } },
    });
    assert.equal(version.provisioningState, "Succeeded");
    const shown = await rawRequest(connection, "GET", `${version.id}?api-version=2024-03-03`);
    const osDisk = (shown.body as { properties: { storageProfile: { osDiskImage: Record<string, unknown> } } }).properties.storageProfile.osDiskImage;
    assert.equal(osDisk.contentDigest, contentDigestOf(raw));
    assert.equal(osDisk.sizeBytes, raw.length);

    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "deployed-from-blob", { location: LOCATION, creationData: { createOption: "FromImage", galleryImageReference: { id: version.id } } });
    const access = await clients.compute.disks.beginGrantAccessAndWait(RG, "deployed-from-blob", { access: "Read", durationInSeconds: 600 });
    try {
      const downloaded = await new BlobClient(access.accessSAS ?? "").downloadToBuffer();
      assert.ok(downloaded.subarray(0, raw.length).equals(raw), "the deployed disk holds the blob's disk");
    } finally {
      await clients.compute.disks.beginRevokeAccessAndWait(RG, "deployed-from-blob");
    }
  });

  it("refuses an expired SAS URL", async () => {
    const expired = sasFor("fixed.vhd", new Date(Date.now() - HOUR));
    const { message } = await assertImportRefused("expired-sas", expired, "InvalidDiskImage", /fixed\.vhd answered HTTP 403.*SAS token expired at/);
    assert.ok(message.includes(`expired at ${new URL(expired).searchParams.get("se")}`), "the token's own expiry is named");
  });

  it("refuses a SAS URL whose signature is wrong", async () => {
    const url = new URL(sasFor("fixed.vhd"));
    // Signed with another key: well-formed, but not the account's signature.
    url.searchParams.set("sig", createHmac("sha256", Buffer.alloc(64, 7)).update(url.search).digest("base64"));
    await assertImportRefused("forged-sas", url.href, "InvalidDiskImage", /fixed\.vhd answered HTTP 403.*did not accept its signature/);
  });

  it("refuses the URL of a blob that does not exist", async () => {
    await assertImportRefused("missing-blob", sasFor("missing.vhd"), "InvalidDiskImage", /missing\.vhd answered HTTP 404 \(BlobNotFound\)/);
  });

  it("refuses a fixed VHD that lost its footer", async () => {
    const fixed = await convertImage(await makeSampleRaw((scratch as { dir: string }).dir, "for-cut.raw"), "vpc-fixed");
    await cutImage(fixed, 8 * MIB);
    await (azurite as Azurite).uploadFile(CONTAINER, "cut-fixed.vhd", fixed);
    await assertImportRefused("cut-fixed-vhd", sasFor("cut-fixed.vhd"), "InvalidDiskImage", /cut-fixed\.vhd has no VHD footer at its end/);
  });

  it("refuses a VHD that was cut short in the storage account", async () => {
    // A dynamic VHD whose upload stopped half-way: its footer copy at the start, no footer at the end.
    const cut = await copyImage(dynamicVhd, "cut.vhd");
    await cutImage(cut, 8 * MIB);
    await (azurite as Azurite).uploadFile(CONTAINER, "truncated.vhd", cut);
    await assertImportRefused("truncated-vhd", sasFor("truncated.vhd"), "InvalidDiskImage", /does not end with its footer: the file is truncated/);
  });
});
