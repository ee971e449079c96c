// Managed disks and snapshots with real bytes, through the real SDKs: an image made by qemu-img
// is uploaded with @azure/storage-blob's page writes to a disk's upload URL (Azure's direct
// upload), snapshotted and copied, imported from a URL, and downloaded again equal to the original.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AnonymousCredential, BlobClient, PageBlobClient } from "@azure/storage-blob";
import { raw as rawRequest, sdkClients } from "../support/clients.js";
import { codeOf, uploadPages } from "../support/disk-upload.js";
import { contentDigestOf, convertImage, makeRawImage, qemuSkip } from "../support/images.js";
import { ManualClock, startTestServer, type TestServer } from "../support/server.js";

const RG = "rg-disks";
const LOCATION = "westus";
const MIB = 1024 * 1024;

describe("disks and snapshots with real bytes", { skip: qemuSkip }, () => {
  let server: TestServer;
  let dir: string;
  let clients: ReturnType<typeof sdkClients>;
  let raw: Buffer;
  let vhd: Buffer;
  let diskId: string;

  before(async () => {
    server = await startTestServer();
    clients = sdkClients(server.connection);
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });
    dir = mkdtempSync(join(tmpdir(), "vitrine-disks-"));
    const rawPath = await makeRawImage(dir, "disk.raw", {
      sizeBytes: 24 * MIB,
      blocks: [
        { offset: 0, bytes: 0x5a, length: 3 * MIB },
        { offset: 11 * MIB + 4096, bytes: Buffer.from("the middle of the disk") },
        { offset: 24 * MIB - 512, bytes: 0x7e, length: 512 },
      ],
    });
    raw = readFileSync(rawPath);
    vhd = readFileSync(await convertImage(rawPath, "vpc-fixed"));
    assert.equal(vhd.length, raw.length + 512, "qemu-img made a fixed VHD of the raw size plus the footer");
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("uploads a fixed VHD with page writes, Azure's direct upload", async () => {
    const created = await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "uploaded", {
      location: LOCATION,
      creationData: { createOption: "Upload", uploadSizeBytes: vhd.length },
    });
    assert.equal(created.diskState, "ReadyToUpload");
    assert.equal(created.diskSizeBytes, raw.length);
    diskId = created.id ?? "";

    const access = await clients.compute.disks.beginGrantAccessAndWait(RG, "uploaded", { access: "Write", durationInSeconds: 3600 });
    assert.ok(access.accessSAS?.startsWith(server.connection.endpoint));
    assert.equal((await clients.compute.disks.get(RG, "uploaded")).diskState, "ActiveUpload");
    const sent = await uploadPages(access.accessSAS ?? "", vhd);
    assert.ok(sent < vhd.length, "zero ranges were not sent");

    await clients.compute.disks.beginRevokeAccessAndWait(RG, "uploaded");
    const done = await clients.compute.disks.get(RG, "uploaded");
    assert.equal(done.diskState, "Unattached");
    assert.equal(done.provisioningState, "Succeeded");
    const shown = await rawRequest(server.connection, "GET", `${diskId}?api-version=2025-01-02`);
    const properties = (shown.body as { properties: Record<string, unknown> }).properties;
    assert.equal(properties.contentDigest, contentDigestOf(raw), "the digest a client computes from the original");
    assert.equal(properties.occupiedSizeBytes, 5 * MIB, "the non-zero chunks: three of 0x5a, the one with text, the last");
  });

  it("snapshots the disk, copies the snapshot, and exports the copy byte for byte", async () => {
    const snapshot = await clients.compute.snapshots.beginCreateOrUpdateAndWait(RG, "snap", {
      location: LOCATION,
      creationData: { createOption: "Copy", sourceResourceId: diskId },
    });
    assert.equal(snapshot.diskSizeBytes, raw.length);
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "copied", {
      location: LOCATION,
      creationData: { createOption: "Copy", sourceResourceId: snapshot.id },
    });
    const access = await clients.compute.disks.beginGrantAccessAndWait(RG, "copied", { access: "Read", durationInSeconds: 600 });
    assert.equal((await clients.compute.disks.get(RG, "copied")).diskState, "ActiveSAS");
    const downloaded = await new BlobClient(access.accessSAS ?? "").downloadToBuffer();
    assert.equal(downloaded.length, raw.length + 512);
    assert.ok(downloaded.subarray(0, raw.length).equals(raw), "the disk's bytes are the original's");
    assert.equal(downloaded.subarray(raw.length).toString("latin1", 0, 8), "conectix", "it ends with a VHD footer");

    const middle = await new BlobClient(access.accessSAS ?? "").downloadToBuffer(11 * MIB, 8192);
    assert.ok(middle.equals(raw.subarray(11 * MIB, 11 * MIB + 8192)), "ranges read what the disk holds");
    await clients.compute.disks.beginRevokeAccessAndWait(RG, "copied");
    assert.equal(await codeOf(new BlobClient(access.accessSAS ?? "").downloadToBuffer()), "HTTP 403", "a revoked URL stops working");
    assert.equal(await codeOf(new BlobClient(access.accessSAS ?? "").downloadToBuffer(0, 512)), "AuthenticationFailed");
  });

  it("imports a disk from a URL: another disk's export, served with ranges", async () => {
    const access = await clients.compute.disks.beginGrantAccessAndWait(RG, "uploaded", { access: "Read", durationInSeconds: 600 });
    const imported = await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "imported", {
      location: LOCATION,
      creationData: { createOption: "Import", sourceUri: access.accessSAS, storageAccountId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/z" },
    });
    assert.equal(imported.provisioningState, "Succeeded");
    assert.equal(imported.diskSizeBytes, raw.length);
    await clients.compute.disks.beginRevokeAccessAndWait(RG, "uploaded");
    const read = await clients.compute.disks.beginGrantAccessAndWait(RG, "imported", { access: "Read", durationInSeconds: 600 });
    const downloaded = await new BlobClient(read.accessSAS ?? "").downloadToBuffer();
    assert.ok(downloaded.subarray(0, raw.length).equals(raw));
    await clients.compute.disks.beginRevokeAccessAndWait(RG, "imported");
  });

  it("refuses bad uploads, sizes, sources and access URLs", async () => {
    assert.equal(
      await codeOf(clients.compute.disks.beginCreateOrUpdateAndWait(RG, "odd", { location: LOCATION, creationData: { createOption: "Upload", uploadSizeBytes: 30 * MIB } })),
      "InvalidParameter",
    );
    assert.equal(
      await codeOf(clients.compute.disks.beginCreateOrUpdateAndWait(RG, "orphan", { location: LOCATION, creationData: { createOption: "Copy", sourceResourceId: `${diskId}-missing` } })),
      "NotFound",
    );
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "bad", { location: LOCATION, creationData: { createOption: "Upload", uploadSizeBytes: vhd.length } });
    assert.equal(await codeOf(clients.compute.disks.beginGrantAccessAndWait(RG, "bad", { access: "Read", durationInSeconds: 60 })), "OperationNotAllowed");
    const write = await clients.compute.disks.beginGrantAccessAndWait(RG, "bad", { access: "Write", durationInSeconds: 600 });
    const pages = new PageBlobClient(write.accessSAS ?? "", new AnonymousCredential());
    assert.equal(await codeOf(pages.uploadPages(Buffer.alloc(1000, 1), 0, 1000)), "InvalidPageRange", "unaligned page write");
    assert.equal(await codeOf(pages.uploadPages(Buffer.alloc(512, 1), vhd.length, 512)), "InvalidPageRange", "past the end");
    const foreign = (write.accessSAS ?? "").replace(/\/blob\/disks\/[^/]+\//, `/blob/disks/${Buffer.from(diskId.toLowerCase()).toString("base64url")}/`);
    assert.equal(await codeOf(new PageBlobClient(foreign, new AnonymousCredential()).uploadPages(Buffer.alloc(512, 1), 0, 512)), "AuthenticationFailed", "a URL works only for its disk");

    // Raw bytes without a VHD footer are refused at endGetAccess, and the disk can be uploaded again.
    await pages.uploadPages(Buffer.alloc(512, 9), 0, 512);
    assert.match((await codeOf(clients.compute.disks.beginRevokeAccessAndWait(RG, "bad"))) ?? "", /InvalidDiskImage.*not the footer of a fixed VHD/);
    assert.equal((await clients.compute.disks.get(RG, "bad")).diskState, "ReadyToUpload");
    const again = await clients.compute.disks.beginGrantAccessAndWait(RG, "bad", { access: "Write", durationInSeconds: 600 });
    await uploadPages(again.accessSAS ?? "", vhd);
    await clients.compute.disks.beginRevokeAccessAndWait(RG, "bad");
    assert.equal((await clients.compute.disks.get(RG, "bad")).diskState, "Unattached");
  });

  it("lists and deletes disks, refusing while an access URL is live", async () => {
    const names: string[] = [];
    for await (const disk of clients.compute.disks.listByResourceGroup(RG)) names.push(disk.name ?? "");
    assert.deepEqual(names.sort(), ["bad", "copied", "imported", "uploaded"]);
    const all: string[] = [];
    for await (const disk of clients.compute.disks.list()) all.push(disk.name ?? "");
    assert.equal(all.length, 4);
    await clients.compute.disks.beginGrantAccessAndWait(RG, "copied", { access: "Read", durationInSeconds: 60 });
    assert.equal(await codeOf(clients.compute.disks.beginDeleteAndWait(RG, "copied")), "OperationNotAllowed");
    await clients.compute.disks.beginRevokeAccessAndWait(RG, "copied");
    await clients.compute.disks.beginDeleteAndWait(RG, "copied");
    await clients.compute.snapshots.beginDeleteAndWait(RG, "snap");
  });
});

describe("access URLs expire", { skip: qemuSkip }, () => {
  let server: TestServer;
  const clock = new ManualClock();
  before(async () => {
    server = await startTestServer({}, undefined, { clock });
  });
  after(() => server.close());

  it("refuses a URL after its durationInSeconds, for reads and for writes", async () => {
    const clients = sdkClients(server.connection);
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "up", { location: LOCATION, creationData: { createOption: "Upload", uploadSizeBytes: 20 * MIB + 512 } });
    const write = await clients.compute.disks.beginGrantAccessAndWait(RG, "up", { access: "Write", durationInSeconds: 60 });
    const pages = new PageBlobClient(write.accessSAS ?? "", new AnonymousCredential());
    await pages.uploadPages(Buffer.alloc(512, 1), 0, 512);
    clock.advance(61_000);
    const refused = await pages.uploadPages(Buffer.alloc(512, 2), 512, 512).then(
      () => undefined,
      (error: { code?: string; message: string }) => error,
    );
    assert.equal(refused?.code, "AuthenticationFailed");
    assert.match(refused?.message ?? "", /expired at/);

    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "empty", { location: LOCATION, diskSizeGB: 1, creationData: { createOption: "Empty" } });
    const read = await clients.compute.disks.beginGrantAccessAndWait(RG, "empty", { access: "Read", durationInSeconds: 30 });
    assert.equal((await new BlobClient(read.accessSAS ?? "").downloadToBuffer(0, 512)).length, 512);
    clock.advance(31_000);
    assert.equal(await codeOf(new BlobClient(read.accessSAS ?? "").downloadToBuffer(0, 512)), "AuthenticationFailed");
  });
});
