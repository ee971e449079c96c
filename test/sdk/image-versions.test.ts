// Image versions and managed images with real bytes, through @azure/arm-compute: versions from a
// snapshot, a managed image, a VHD URL and another gallery's version; replication status per
// region; "latest" per region; disks FromImage exported byte for byte; chunks shared between
// versions; and the contract's refusals.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GalleryImageVersion } from "@azure/arm-compute";
import { BlobClient } from "@azure/storage-blob";
import { raw as rawRequest, sdkClients } from "../support/clients.js";
import { codeOf, uploadPages } from "../support/disk-upload.js";
import { packBytesUnder } from "../support/pack-store.js";
import { contentDigestOf, convertImage, makeRawImage, makeTempDir, qemuSkip } from "../support/images.js";
import { startTestServer, type TestServer } from "../support/server.js";

const RG = "rg-versions";
const MIB = 1024 * 1024;
const GALLERY = "gallery1";
const DEFINITION = "linux";


describe("image versions with real bytes", { skip: qemuSkip }, () => {
  let server: TestServer;
  let clients: ReturnType<typeof sdkClients>;
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;
  let rawA: Buffer;
  let rawB: Buffer;
  let vhdA: Buffer;
  let vhdB: Buffer;
  let snapshotId: string;
  let definitionId: string;
  const versions = () => clients.compute.galleryImageVersions;

  /** A disk holding `vhd` (a fixed VHD), through Azure's direct upload. */
  async function uploadedDisk(name: string, vhd: Buffer, osType?: "Linux" | "Windows"): Promise<string> {
    const disk = await clients.compute.disks.beginCreateOrUpdateAndWait(RG, name, {
      location: "westus",
      osType,
      creationData: { createOption: "Upload", uploadSizeBytes: vhd.length },
    });
    const access = await clients.compute.disks.beginGrantAccessAndWait(RG, name, { access: "Write", durationInSeconds: 600 });
    await uploadPages(access.accessSAS ?? "", vhd);
    await clients.compute.disks.beginRevokeAccessAndWait(RG, name);
    return disk.id ?? "";
  }

  /** The raw bytes of a disk, read through its export URL (a fixed VHD: the footer is cut off). */
  async function exported(name: string): Promise<Buffer> {
    const access = await clients.compute.disks.beginGrantAccessAndWait(RG, name, { access: "Read", durationInSeconds: 600 });
    const vhd = await new BlobClient(access.accessSAS ?? "").downloadToBuffer();
    await clients.compute.disks.beginRevokeAccessAndWait(RG, name);
    return vhd.subarray(0, vhd.length - 512);
  }

  const digestOf = async (version: string): Promise<string> => {
    const response = await rawRequest(server.connection, "GET", `${definitionId}/versions/${version}?api-version=2024-03-03`);
    const profile = (response.body as { properties: { storageProfile: { osDiskImage: { contentDigest: string } } } }).properties.storageProfile;
    return profile.osDiskImage.contentDigest;
  };

  async function replicated(version: string, gallery = GALLERY, definition = DEFINITION): Promise<GalleryImageVersion> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const shown = await versions().get(RG, gallery, definition, version, { expand: "ReplicationStatus" });
      if (shown.replicationStatus?.aggregatedState !== "InProgress") return shown;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`version ${version} is still replicating`);
  }

  before(async () => {
    server = await startTestServer();
    clients = sdkClients(server.connection);
    scratch = await makeTempDir();
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: "westus" });
    await clients.compute.galleries.beginCreateOrUpdateAndWait(RG, GALLERY, { location: "westus" });
    const definition = await clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, GALLERY, DEFINITION, {
      location: "westus",
      osType: "Linux",
      osState: "Generalized",
      identifier: { publisher: "Contoso", offer: "Finance", sku: "Backend" },
    });
    definitionId = definition.id ?? "";
    const blocks = [
      { offset: 0, bytes: 0x11, length: 2 * MIB },
      { offset: 9 * MIB, bytes: Buffer.from("version A") },
      { offset: 20 * MIB, bytes: 0x22, length: 4 * MIB },
    ];
    rawA = readFileSync(await makeRawImage(scratch.dir, "a.raw", { sizeBytes: 24 * MIB, blocks }));
    // B is A with one chunk changed and one added: a new version that shares the rest.
    rawB = readFileSync(await makeRawImage(scratch.dir, "b.raw", { sizeBytes: 24 * MIB, blocks: [...blocks, { offset: 9 * MIB, bytes: Buffer.from("version B") }, { offset: 14 * MIB, bytes: 0x33, length: MIB }] }));
    vhdA = readFileSync(await convertImage(join(scratch.dir, "a.raw"), "vpc-fixed"));
    vhdB = readFileSync(await convertImage(join(scratch.dir, "b.raw"), "vpc-fixed"));
    const diskA = await uploadedDisk("disk-a", vhdA, "Linux");
    const snapshot = await clients.compute.snapshots.beginCreateOrUpdateAndWait(RG, "snap-a", { location: "westus", creationData: { createOption: "Copy", sourceResourceId: diskA } });
    snapshotId = snapshot.id ?? "";
  });
  after(async () => {
    await server.close();
    await scratch.remove();
  });

  it("creates a version from a snapshot, live in its region, then copied to the others", async () => {
    const created = await versions().beginCreateOrUpdateAndWait(RG, GALLERY, DEFINITION, "1.0.0", {
      location: "westus",
      publishingProfile: { targetRegions: [{ name: "West US" }, { name: "eastus", regionalReplicaCount: 2 }] },
      storageProfile: { osDiskImage: { source: { id: snapshotId } } },
    });
    assert.equal(created.provisioningState, "Succeeded");
    assert.equal(created.storageProfile?.osDiskImage?.sizeInGB, 1);
    assert.equal(created.storageProfile?.osDiskImage?.hostCaching, "ReadWrite");
    assert.equal(created.publishingProfile?.replicaCount, 1);
    assert.equal(created.publishingProfile?.storageAccountType, "Standard_LRS");
    assert.deepEqual(created.publishingProfile?.targetRegions?.map((r) => [r.name, r.regionalReplicaCount, r.storageAccountType]), [["West US", 1, "Standard_LRS"], ["eastus", 2, "Standard_LRS"]]);
    assert.ok(created.publishingProfile?.publishedDate instanceof Date);
    assert.equal(await digestOf("1.0.0"), contentDigestOf(rawA), "the digest a client computes from the original");

    const shown = await replicated("1.0.0");
    assert.equal(shown.replicationStatus?.aggregatedState, "Completed");
    assert.deepEqual(shown.replicationStatus?.summary?.map((row) => [row.region, row.state, row.progress]), [["West US", "Completed", 100], ["eastus", "Completed", 100]]);
    const plain = await versions().get(RG, GALLERY, DEFINITION, "1.0.0");
    assert.equal(plain.replicationStatus, undefined, "replicationStatus only with $expand");
  });

  it("deploys a disk FromImage in each complete region, byte for byte, and refuses a region without a copy", async () => {
    const version = await versions().get(RG, GALLERY, DEFINITION, "1.0.0");
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "from-version", { location: "westus", creationData: { createOption: "FromImage", galleryImageReference: { id: version.id } } });
    assert.ok((await exported("from-version")).equals(rawA));
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "from-latest-east", { location: "eastus", creationData: { createOption: "FromImage", galleryImageReference: { id: definitionId } } });
    assert.ok((await exported("from-latest-east")).equals(rawA), "the definition's latest, from the eastus copy");
    const refused = codeOf(clients.compute.disks.beginCreateOrUpdateAndWait(RG, "from-north", { location: "northeurope", creationData: { createOption: "FromImage", galleryImageReference: { id: version.id } } }));
    assert.equal(await refused, "GalleryImageNotFound");
  });

  it("creates versions from a managed image, a VHD URL and another gallery's version; latest skips excluded ones", async () => {
    const diskB = await uploadedDisk("disk-b", vhdB, "Linux");
    const image = await clients.compute.images.beginCreateOrUpdateAndWait(RG, "image-b", {
      location: "westus",
      storageProfile: { osDisk: { osType: "Linux", osState: "Generalized", managedDisk: { id: diskB } } },
    });
    assert.equal(image.provisioningState, "Succeeded");
    assert.equal(image.storageProfile?.osDisk?.diskSizeGB, 1);
    await versions().beginCreateOrUpdateAndWait(RG, GALLERY, DEFINITION, "2.0.0", {
      location: "westus",
      publishingProfile: { excludeFromLatest: true },
      storageProfile: { source: { id: image.id } },
    });
    assert.equal(await digestOf("2.0.0"), contentDigestOf(rawB));
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "latest-1", { location: "westus", creationData: { createOption: "FromImage", galleryImageReference: { id: definitionId } } });
    assert.ok((await exported("latest-1")).equals(rawA), "2.0.0 is excluded from latest: 1.0.0 is still latest");

    // 1.10.0 > 1.9.0 > 1.0.0: numbers, not strings. Its source is a VHD at a URL (disk B's export).
    const access = await clients.compute.disks.beginGrantAccessAndWait(RG, "disk-b", { access: "Read", durationInSeconds: 600 });
    const fromUri = await versions().beginCreateOrUpdateAndWait(RG, GALLERY, DEFINITION, "1.10.0", {
      location: "westus",
      storageProfile: { osDiskImage: { source: { uri: access.accessSAS, storageAccountId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/z" } } },
    });
    const imageFromBlob = await clients.compute.images.beginCreateOrUpdateAndWait(RG, "image-from-blob", {
      location: "westus",
      storageProfile: { osDisk: { osType: "Linux", osState: "Generalized", blobUri: access.accessSAS } },
    });
    await clients.compute.disks.beginRevokeAccessAndWait(RG, "disk-b");
    assert.equal(fromUri.provisioningState, "Succeeded");
    assert.equal(imageFromBlob.provisioningState, "Succeeded", "a managed image from a VHD URL");
    assert.equal(imageFromBlob.storageProfile?.osDisk?.diskSizeGB, 1);
    await versions().beginCreateOrUpdateAndWait(RG, GALLERY, DEFINITION, "1.9.0", { location: "westus", storageProfile: { osDiskImage: { source: { id: snapshotId } } } });
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "latest-2", { location: "westus", creationData: { createOption: "FromImage", galleryImageReference: { id: definitionId } } });
    assert.ok((await exported("latest-2")).equals(rawB), "1.10.0 is latest");

    // Another gallery's version as the source: a copy with the same digest.
    await clients.compute.galleries.beginCreateOrUpdateAndWait(RG, "gallery2", { location: "westus" });
    await clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "gallery2", "copy", { location: "westus", osType: "Linux", osState: "Generalized", identifier: { publisher: "P", offer: "O", sku: "S" } });
    const source = await versions().get(RG, GALLERY, DEFINITION, "1.10.0");
    const copy = await versions().beginCreateOrUpdateAndWait(RG, "gallery2", "copy", "1.0.0", { location: "westus", storageProfile: { source: { id: source.id } } });
    assert.equal(copy.provisioningState, "Succeeded");
    assert.equal(copy.storageProfile?.osDiskImage?.sizeInGB, 1);
  });

  it("holds data disks by LUN, deployed each on its own", async () => {
    const diskB = `/subscriptions/${server.connection.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/disk-b`;
    const created = await versions().beginCreateOrUpdateAndWait(RG, GALLERY, DEFINITION, "3.0.0", {
      location: "westus",
      publishingProfile: { excludeFromLatest: true },
      storageProfile: { osDiskImage: { source: { id: snapshotId } }, dataDiskImages: [{ lun: 7, hostCaching: "ReadOnly", source: { id: diskB } }] },
    });
    assert.deepEqual(created.storageProfile?.dataDiskImages?.map((d) => [d.lun, d.hostCaching, d.sizeInGB]), [[7, "ReadOnly", 1]]);
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "data-7", { location: "westus", creationData: { createOption: "FromImage", galleryImageReference: { id: created.id, lun: 7 } } });
    assert.ok((await exported("data-7")).equals(rawB), "LUN 7 holds disk B");
    const missing = codeOf(clients.compute.disks.beginCreateOrUpdateAndWait(RG, "data-8", { location: "westus", creationData: { createOption: "FromImage", galleryImageReference: { id: created.id, lun: 8 } } }));
    assert.equal(await missing, "NotFound");
    await versions().beginDeleteAndWait(RG, GALLERY, DEFINITION, "3.0.0");
  });

  it("stores two versions that differ in a few chunks once, but for those chunks", async () => {
    const store = join(server.dataDir, "regions", "westus");
    const before = packBytesUnder(store);
    const changed = Buffer.from(rawB);
    changed.fill(0x44, 5 * MIB, 5 * MIB + 100);
    changed.fill(0x55, 23 * MIB, 23 * MIB + 100);
    const vhd = Buffer.concat([changed, vhdB.subarray(rawB.length)]);
    await uploadedDisk("disk-c", vhd);
    const grown = packBytesUnder(store) - before;
    assert.ok(grown >= 2 * MIB && grown < 2 * MIB + 64 * 1024, `two new chunks and a manifest, not a whole disk: the store grew by ${grown} bytes`);
  });

  it("changes what may change: regions, exclude-from-latest; refuses the rest", async () => {
    // az's update: GET, then PUT with the sources stripped and the publishing profile edited.
    const current = await versions().get(RG, GALLERY, DEFINITION, "1.9.0");
    const updated = await versions().beginCreateOrUpdateAndWait(RG, GALLERY, DEFINITION, "1.9.0", {
      location: "westus",
      publishingProfile: { ...current.publishingProfile, targetRegions: [...(current.publishingProfile?.targetRegions ?? []), { name: "westeurope", storageAccountType: "Standard_ZRS" }] },
      storageProfile: {},
    });
    assert.deepEqual(updated.publishingProfile?.targetRegions?.map((r) => [r.name, r.storageAccountType]), [["West US", "Standard_LRS"], ["westeurope", "Standard_ZRS"]]);
    assert.equal((await replicated("1.9.0")).replicationStatus?.summary?.find((row) => row.region === "westeurope")?.state, "Completed");

    const patched = await versions().beginUpdateAndWait(RG, GALLERY, DEFINITION, "1.10.0", { publishingProfile: { excludeFromLatest: true } });
    assert.equal(patched.publishingProfile?.excludeFromLatest, true);
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "latest-3", { location: "westus", creationData: { createOption: "FromImage", galleryImageReference: { id: definitionId } } });
    assert.ok((await exported("latest-3")).equals(rawA), "with 1.10.0 excluded, 1.9.0 is latest");

    const stored = await versions().get(RG, GALLERY, DEFINITION, "1.9.0");
    const storageType = codeOf(
      versions().beginCreateOrUpdateAndWait(RG, GALLERY, DEFINITION, "1.9.0", {
        location: "westus",
        publishingProfile: { targetRegions: [{ name: "westus" }, { name: "westeurope", storageAccountType: "Premium_LRS" }] },
        storageProfile: {},
      }),
    );
    assert.equal(await storageType, "InvalidParameter");
    const source = codeOf(versions().beginCreateOrUpdateAndWait(RG, GALLERY, DEFINITION, "1.9.0", { location: "westus", storageProfile: { source: { id: `${definitionId}/versions/1.0.0` } } }));
    assert.equal(await source, "PropertyChangeNotAllowed");
    assert.deepEqual((await versions().get(RG, GALLERY, DEFINITION, "1.9.0")).publishingProfile, stored.publishingProfile, "nothing changed");
  });

  it("refuses bad versions with the contract's errors, storing nothing", async () => {
    const create = (name: string, body: Record<string, unknown>) =>
      codeOf(versions().beginCreateOrUpdateAndWait(RG, GALLERY, DEFINITION, name, { location: "westus", storageProfile: {}, ...body } as GalleryImageVersion));
    const bySnapshot = { storageProfile: { osDiskImage: { source: { id: snapshotId } } } };
    const vm = `/subscriptions/${server.connection.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm1`;
    const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
      ["bad name", "1.0", bySnapshot, /Major\(int\)\.Minor\(int\)\.Patch\(int\)/],
      ["no source", "5.0.0", { storageProfile: {} }, /storageProfile\.source/],
      ["duplicate regions", "5.0.1", { ...bySnapshot, publishingProfile: { targetRegions: [{ name: "westus" }, { name: "West US" }] } }, /Duplicate regions/],
      ["source region not targeted", "5.0.2", { ...bySnapshot, publishingProfile: { targetRegions: [{ name: "eastus" }] } }, /must contain the location of image version 'West US'/],
      ["two source forms", "5.0.3", { storageProfile: { source: { id: snapshotId }, osDiskImage: { source: { id: snapshotId } } } }, /One and only one source type/],
      ["duplicate LUNs", "5.0.4", { storageProfile: { osDiskImage: { source: { id: snapshotId } }, dataDiskImages: [{ lun: 1, source: { id: snapshotId } }, { lun: 1, source: { uri: "https://example.invalid/x.vhd" } }] } }, /Duplicated lun numbers/],
      ["duplicate sources", "5.0.5", { storageProfile: { osDiskImage: { source: { id: snapshotId } }, dataDiskImages: [{ lun: 1, source: { id: snapshotId } }] } }, /Duplicated source ids/],
      ["missing source", "5.0.6", { storageProfile: { osDiskImage: { source: { id: `${snapshotId}-gone` } } } }, /is not found/],
      ["a VM", "5.0.7", { storageProfile: { source: { id: vm } } }, /snapshot the VM's disks/],
      ["a snapshot as a whole-image source", "5.0.8", { storageProfile: { source: { id: snapshotId } } }, /must either be a managed image, virtual machine or another gallery image version/],
      ["a relative id", "5.0.9", { storageProfile: { osDiskImage: { source: { id: "snapshots/snap-a" } } } }, /Expect fully qualified resource Id/],
    ];
    for (const [what, name, body, message] of cases) {
      const response = await rawRequest(server.connection, "PUT", `${definitionId}/versions/${name}?api-version=2024-03-03`, { body: { location: "westus", properties: body } });
      assert.ok(response.status >= 400 && response.status < 500, `${what}: ${response.status}`);
      assert.match((response.body as { error: { message: string } }).error.message, message, what);
    }
    assert.equal(await create("5.1.0", { storageProfile: { source: { id: vm } } }), "InvalidParameter");

    // The definition is Linux and Generalized: a Windows snapshot, a Specialized image are refused.
    const windows = await uploadedDisk("disk-windows", vhdA, "Windows");
    assert.match((await codeOf(versions().beginCreateOrUpdateAndWait(RG, GALLERY, DEFINITION, "6.0.0", { location: "westus", storageProfile: { osDiskImage: { source: { id: windows } } } }))) ?? "", /InvalidParameter/);
    const specialized = await clients.compute.images.beginCreateOrUpdateAndWait(RG, "image-specialized", { location: "westus", storageProfile: { osDisk: { osType: "Linux", osState: "Specialized", snapshot: { id: snapshotId } } } });
    const osState = await rawRequest(server.connection, "PUT", `${definitionId}/versions/6.0.1?api-version=2024-03-03`, { body: { location: "westus", properties: { storageProfile: { source: { id: specialized.id } } } } });
    assert.match((osState.body as { error: { message: string } }).error.message, /OS State in the parent gallery image \(Generalized\) is not Specialized/);

    const names: string[] = [];
    for await (const version of versions().listByGalleryImage(RG, GALLERY, DEFINITION)) names.push(version.name ?? "");
    assert.deepEqual(names.sort(), ["1.0.0", "1.10.0", "1.9.0", "2.0.0"], "no refused version was stored");
  });

  it("deletes versions, and then the definition", async () => {
    for (const name of ["1.0.0", "1.10.0", "1.9.0", "2.0.0"]) await versions().beginDeleteAndWait(RG, GALLERY, DEFINITION, name);
    await clients.compute.galleryImages.beginDeleteAndWait(RG, GALLERY, DEFINITION);
    assert.equal(await codeOf(versions().get(RG, GALLERY, DEFINITION, "1.0.0")), "ParentResourceNotFound");
  });
});
